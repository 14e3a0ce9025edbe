"""What several Population page families share: the page frame with its section navigation, the
snapshot's chart tables, and the area a page is about."""

from django.http import Http404
from django.shortcuts import render
from django.urls import NoReverseMatch, reverse

from octopus.governance.consent import analytics_excluded_person_ids

from .. import areas, chart_data
from ..current import Current


def _intake_url() -> str | None:
    try:
        return reverse("intake:index")
    except NoReverseMatch:
        return None


def page(request, template: str, current: Current, **context):
    context.update(current=current, intake_url=_intake_url(), nav=_NAV)
    return render(request, f"insights/{template}.jinja", context)


_NAV = [
    ("insights:index", "Overview"),
    ("insights:cost", "Cost concentration"),
    ("insights:capitation", "Capitation"),
    ("insights:population_map", "Map"),
    ("insights:cohorts", "Cohorts"),
    ("insights:deprivation", "Deprivation"),
    ("insights:inequality", "Inequalities"),
    ("insights:life_expectancy", "Life expectancy"),
    ("insights:practices", "Practice variation"),
    ("insights:impact", "INT impact"),
    ("insights:model_card", "Model card"),
]


def chart_tables(current: Current) -> chart_data.ChartTables:
    """The snapshot's pre-aggregated chart tables, less residents who objected since (decision 0055)."""
    return chart_data.tables(current.folder, analytics_excluded_person_ids())


def chosen_area(request, current: Current):
    """The area the page is about (``?area=``), its chart tables, and the areas to choose from."""
    tables = chart_tables(current)
    try:
        area = areas.area_from(request.GET.get("area"))
    except areas.UnknownArea as error:
        raise Http404(str(error)) from error
    return area, tables.within(area), areas.choices(tables.practice_codes())
