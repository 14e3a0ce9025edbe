"""The map: an indicator by LSOA for the chosen area."""

from django.http import Http404
from django.views.decorators.http import require_GET

from octopus.accounts.permissions import require
from octopus.core import charts

from .. import population_map as population_map_module
from ..current import Current
from .common import chosen_area, page


@require_GET
@require("view_population")
def population_map(request):
    current = Current()
    if not current.available:
        return page(request, "map", current)
    area, chosen, options = chosen_area(request, current)
    indicator = request.GET.get("indicator") or "imd"
    if indicator not in population_map_module.INDICATORS:
        raise Http404(f"No map indicator {indicator!r}.")
    if not chosen.has("lsoa_code"):
        return page(
            request,
            "map",
            current,
            figures=[],
            area=area,
            area_options=options,
            indicator=indicator,
            indicators=population_map_module.INDICATORS,
        )
    figure = population_map_module.indicator_map(chosen.bands, indicator, current.published.as_of)
    return charts.csv_or(request, [figure]) or page(
        request,
        "map",
        current,
        figures=[figure],
        area=area,
        area_options=options,
        indicator=indicator,
        indicators=population_map_module.INDICATORS,
        precomputed=chosen.precomputed,
    )
