"""Inequalities: residents by deprivation decile, the Westminster plan's inequality indicators
(with their CSV download) and life expectancy by deprivation."""

from urllib.parse import urlencode

from django.http import Http404, HttpResponse
from django.views.decorators.http import require_GET

from octopus.accounts.permissions import require
from octopus.core import charts
from octopus.governance.consent import analytics_excluded_person_ids

from .. import figures, inequalities
from .. import life_expectancy as life_expectancy_module
from ..current import Current
from ..organisations import organisation_names
from .common import chart_tables, chosen_area, page


@require_GET
@require("view_population")
def deprivation(request):
    current = Current()
    rows = figures.deprivation(chart_tables(current).deprivation) if current.available else []
    return page(request, "deprivation", current, rows=rows)


@require_GET
@require("view_population")
def inequality(request):
    """The Westminster plan's inequality indicators by a breakdown, with CIs and the SII/RII;
    ``?format=csv`` gives the same table as CSV."""
    current = Current()
    indicator = request.GET.get("indicator", inequalities.INDICATORS[0].name)
    breakdown = request.GET.get("breakdown", inequalities.BREAKDOWNS[0][0])
    if indicator not in inequalities.BY_NAME or breakdown not in inequalities.BREAKDOWN_TITLES:
        raise Http404("No such indicator or breakdown.")
    view = counts = None
    if current.available:
        counts = inequalities.current_counts(current.folder, analytics_excluded_person_ids())
        if counts is not None:
            view = inequalities.indicator_view(counts, indicator, breakdown, organisation_names())
    figure = inequalities.indicator_chart(view, current.published.as_of) if view is not None else None
    if figure and (response := charts.csv_or(request, [figure])):
        return response
    if request.GET.get("format") == "csv":
        if view is None:
            raise Http404("No inequality figures in the published snapshot.")
        response = HttpResponse(view.csv(), content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="inequalities-{indicator}-{breakdown}.csv"'
        return response
    return page(
        request,
        "inequality",
        current,
        view=view,
        has_counts=counts is not None,
        inequality_chart=figure,
        indicators=inequalities.INDICATORS,
        breakdowns=inequalities.BREAKDOWNS,
        selected_indicator=indicator,
        selected_breakdown=breakdown,
        sign_convention=inequalities.SIGN_CONVENTION,
        csv_query=urlencode({"indicator": indicator, "breakdown": breakdown, "format": "csv"}),
    )


@require_GET
@require("view_population")
def life_expectancy(request):
    """Life expectancy by deprivation decile and sex, the slope index and gap with their trend, and
    what makes up the gap by cause and age (issue #23), for the area chosen with ``?area=``."""
    current = Current()
    if not current.available:
        return page(request, "life_expectancy", current)
    area, _, options = chosen_area(request, current)
    shown = life_expectancy_module.page_for(current.folder, area, current.published.as_of)
    if shown is None:
        return page(request, "life_expectancy", current, has_counts=False, area=area, area_options=options)
    return charts.csv_or(request, shown.figures) or page(
        request,
        "life_expectancy",
        current,
        has_counts=True,
        shown=shown,
        area=area,
        area_options=options,
        sexes=dict(life_expectancy_module.SEXES),
        years=life_expectancy_module.years,
    )
