"""Where the money goes: cost concentration and capitation (a budget shared by need-weighted
registered residents), both with cost per resident by risk band and segment."""

import datetime as dt

from django.http import Http404
from django.views.decorators.http import require_GET

from octopus.accounts.permissions import require
from octopus.core import charts
from octopus.publish.scores import band_names

from .. import capitation, chart_data, cost
from ..current import Current
from ..organisations import organisation_names
from .common import chart_tables, chosen_area, page


@require_GET
@require("view_population")
def cost_concentration(request):
    current = Current()
    if not current.available:
        return page(request, "cost", current)
    area, chosen, options = chosen_area(request, current)
    as_of = current.published.as_of
    lorenz, reached = cost.lorenz_chart(chosen.cost_distribution("prior_cost"), as_of)
    hospital, hospital_reached = cost.lorenz_chart(chosen.cost_distribution("hospital_cost"), as_of, "hospital_cost")
    shown = [f for f in (lorenz, hospital, *_cost_by_band_and_segment(chosen, as_of)) if f is not None]
    return charts.csv_or(request, shown) or page(
        request,
        "cost",
        current,
        figures=shown,
        reached=reached,
        area=area,
        hospital_reached=hospital_reached,
        has_hospital_cost=chosen.has("hospital_cost"),
        area_options=options,
        precomputed=chosen.precomputed,
    )


def _cost_by_band_and_segment(tables: chart_data.ChartTables, as_of: dt.date) -> list[charts.Chart]:
    names = band_names()
    segments = {s: str(s).replace("_", " ").capitalize() for s in tables.segments["segment"].dropna().unique()}
    return [
        cost.cost_by(
            tables.bands,
            "risk_band",
            {b: f"{b}. {n}" for b, n in names.items()},
            "cost-band",
            "Cost per resident by risk band",
            as_of,
        ),
        cost.cost_by(tables.segments, "segment", segments, "cost-segment", "Cost per resident by segment", as_of),
    ]


@require_GET
@require("view_population")
def capitation_page(request):
    """Cost per resident by band and segment, and a budget shared across PCNs or neighbourhoods
    by need-weighted registered residents, the weights shown and editable (``?budget=&w1=…``)."""
    current = Current()
    if not current.available:
        return page(request, "capitation", current)
    from octopus.directory.models import GPPractice, Neighbourhood

    tables = chart_tables(current)
    names = band_names()
    bands = sorted(names)
    defaults = capitation.default_weights(tables.bands, bands)
    kind = request.GET.get("by") or "pcn"
    if kind not in dict(capitation.UNITS):
        raise Http404(f"No allocation unit {kind!r}.")
    error = None
    try:
        budget = capitation.parse_budget(request.GET.get("budget"))
        weights = capitation.parse_weights(request.GET, defaults, names)
    except capitation.BadChoice as bad:
        error, budget, weights = bad, capitation.DEFAULT_BUDGET, defaults
    if kind == "pcn":
        memberships = [
            (p.pcn.name.title(), p.ods_code) for p in GPPractice.objects.filter(pcn__isnull=False).select_related("pcn")
        ]
    else:
        memberships = [
            (n.name, code)
            for n in Neighbourhood.objects.prefetch_related("practices")
            for code in n.practices.values_list("ods_code", flat=True)
        ]
    unit_map = capitation.units(kind, memberships)
    as_of = current.published.as_of
    label = dict(capitation.UNITS)[kind]
    shown = [
        capitation.allocation_chart(
            capitation.allocate(tables.bands, unit_map, weights, budget), weights, names, budget, label, as_of
        ),
        *_cost_by_band_and_segment(tables, as_of),
    ]
    return charts.csv_or(request, shown) or page(
        request,
        "capitation",
        current,
        figures=shown,
        error=error,
        budget=budget,
        weights=weights,
        defaults=defaults,
        band_labels=names,
        kind=kind,
        unit_kinds=capitation.UNITS,
        precomputed=tables.precomputed,
        shared={organisation_names().get(code, code): units for code, units in unit_map.shared.items()},
    )
