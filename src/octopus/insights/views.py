"""The Population section (journey 9): aggregate, pseudonymised figures from the published
snapshot for analysts and INT managers. No page here shows a name, NHS number or person id, so
none is an identifiable view to audit; every count goes through ``core.disclosure``."""

import datetime as dt
import json
from pathlib import Path
from urllib.parse import urlencode

from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import render
from django.urls import NoReverseMatch, reverse
from django.views.decorators.http import require_GET

from octopus.accounts.permissions import require
from octopus.core import charts
from octopus.governance.consent import analytics_excluded_person_ids
from octopus.publish.scores import band_names

from . import areas, capitation, chart_data, cost, figures, funnels, impact, inequalities, overview
from . import life_expectancy as life_expectancy_module
from . import population_map as population_map_module
from .current import Current, snapshot_folder, stale_after_days  # noqa: F401 - also used by other pages
from .model_card import render_model_card
from .organisations import organisation_names


def _intake_url() -> str | None:
    try:
        return reverse("intake:index")
    except NoReverseMatch:
        return None


def _page(request, template: str, current: Current, **context):
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


def _tables(current: Current) -> chart_data.ChartTables:
    """The snapshot's pre-aggregated chart tables, less residents who objected since (decision 0055)."""
    return chart_data.tables(current.folder, analytics_excluded_person_ids())


@require_GET
@require("view_population")
def index(request):
    current = Current()
    if not current.available:
        return _page(request, "index", current)
    area, chosen, options = _chosen_area(request, current)
    as_of = current.published.as_of
    figures_shown = []
    if chosen.has("age") and chosen.has("sex"):
        figures_shown.append(overview.age_sex_pyramid(chosen.age_sex, as_of))
    figures_shown += overview.risk_pyramid(chosen.bands, band_names(), as_of)
    figures_shown.append(overview.segments(chosen.segments, as_of))
    figures_shown += overview.trends(_snapshot_history(current), analytics_excluded_person_ids(), area, band_names())
    return charts.csv_or(request, figures_shown) or _page(
        request,
        "index",
        current,
        rising=figures.rising_risk(chosen.bands),
        figures=figures_shown,
        area=area,
        area_options=options,
        precomputed=chosen.precomputed,
    )


def _chosen_area(request, current: Current):
    """The area the page is about (``?area=``), its chart tables, and the areas to choose from."""
    tables = _tables(current)
    try:
        area = areas.area_from(request.GET.get("area"))
    except areas.UnknownArea as error:
        raise Http404(str(error)) from error
    return area, tables.within(area), areas.choices(tables.practice_codes())


def _snapshot_history(current: Current) -> list[tuple[dt.date, Path]]:
    """The current snapshot and the earlier ones kept beside it (the pipeline keeps them for
    rising risk), as (as-of date, folder), for the trend charts."""
    found = {current.published.as_of: current.folder}
    for folder in current.folder.parent.iterdir():
        manifest = folder / "manifest.json"
        if folder == current.folder or not manifest.is_file() or not (folder / "residents.parquet").is_file():
            continue
        try:
            as_of = dt.date.fromisoformat(json.loads(manifest.read_text())["as_of"])
        except (ValueError, KeyError, json.JSONDecodeError):
            continue
        if as_of < current.published.as_of:
            found.setdefault(as_of, folder)
    return sorted(found.items())


@require_GET
@require("view_population")
def cost_concentration(request):
    current = Current()
    if not current.available:
        return _page(request, "cost", current)
    area, chosen, options = _chosen_area(request, current)
    as_of = current.published.as_of
    lorenz, reached = cost.lorenz_chart(chosen.cost_distribution("prior_cost"), as_of)
    hospital, hospital_reached = cost.lorenz_chart(chosen.cost_distribution("hospital_cost"), as_of, "hospital_cost")
    shown = [f for f in (lorenz, hospital, *_cost_by_band_and_segment(chosen, as_of)) if f is not None]
    return charts.csv_or(request, shown) or _page(
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
        return _page(request, "capitation", current)
    from octopus.directory.models import GPPractice, Neighbourhood

    tables = _tables(current)
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
    return charts.csv_or(request, shown) or _page(
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


@require_GET
@require("view_population")
def population_map(request):
    current = Current()
    if not current.available:
        return _page(request, "map", current)
    area, chosen, options = _chosen_area(request, current)
    indicator = request.GET.get("indicator") or "imd"
    if indicator not in population_map_module.INDICATORS:
        raise Http404(f"No map indicator {indicator!r}.")
    if not chosen.has("lsoa_code"):
        return _page(
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
    return charts.csv_or(request, [figure]) or _page(
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


@require_GET
@require("view_population")
def cohorts(request):
    current = Current()
    rows = figures.cohorts(current.folder, analytics_excluded_person_ids()) if current.available else []
    return _page(request, "cohorts", current, cohorts=rows)


@require_GET
@require("view_population")
def deprivation(request):
    current = Current()
    rows = figures.deprivation(_tables(current).deprivation) if current.available else []
    return _page(request, "deprivation", current, rows=rows)


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
    return _page(
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
        return _page(request, "life_expectancy", current)
    area, _, options = _chosen_area(request, current)
    shown = life_expectancy_module.page_for(current.folder, area, current.published.as_of)
    if shown is None:
        return _page(request, "life_expectancy", current, has_counts=False, area=area, area_options=options)
    return charts.csv_or(request, shown.figures) or _page(
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


@require_GET
@require("view_population")
def practices(request):
    current = Current()
    if not current.available:
        return _page(request, "practices", current, rows=[], outside=0)
    tables = _tables(current)
    rows = figures.practice_variation(tables.bands, organisation_names())
    indicator = request.GET.get("indicator") or "top-bands"
    if indicator not in funnels.INDICATORS:
        raise Http404(f"No practice indicator {indicator!r}.")
    peers, peer_label, peer_choice = _peer_group(request)
    figure, outliers, overdispersed = funnels.practice_funnel(
        tables.bands, indicator, peers, organisation_names(), current.published.as_of, peer_label
    )
    shown = [figure] if figure else []
    return charts.csv_or(request, shown) or _page(
        request,
        "practices",
        current,
        rows=rows,
        outside=sum(1 for r in rows if r["outside"]),
        figures=shown,
        outliers=outliers,
        overdispersed=overdispersed,
        indicator=indicator,
        indicators=funnels.INDICATORS,
        peer_choice=peer_choice,
        peer_label=peer_label,
        peer_options=_peer_options(),
        precomputed=tables.precomputed,
    )


def _peer_options() -> list[tuple[str, str]]:
    from octopus.directory.models import Neighbourhood

    return [(n.slug, f"{n.name}'s practices") for n in Neighbourhood.objects.order_by("name")] + [
        ("all", "All practices")
    ]


def _peer_group(request) -> tuple[set[str] | None, str, str]:
    """The practices compared: the chosen (or first) neighbourhood's, or all with ``?peers=all``."""
    from octopus.directory.models import Neighbourhood

    choice = request.GET.get("peers") or ""
    if choice == "all":
        return None, "all practices in the snapshot", "all"
    neighbourhood = (
        Neighbourhood.objects.filter(slug=choice).first() if choice else Neighbourhood.objects.order_by("name").first()
    )
    if neighbourhood is None:
        if choice:
            raise Http404(f"No neighbourhood {choice!r}.")
        return None, "all practices in the snapshot", "all"
    return (
        set(neighbourhood.practices.values_list("ods_code", flat=True)),
        f"the practices of {neighbourhood.name}",
        neighbourhood.slug,
    )


@require_GET
@require("view_population")
def impact_page(request):
    """Residents in the INT's care against matched comparators, 6 or 12 months before and after
    (``?months=``), by difference-in-differences with balance shown."""
    current = Current()
    try:
        months = int(request.GET.get("months") or 12)
    except ValueError:
        months = 0
    if months not in impact.WINDOWS:
        raise Http404("Choose 6 or 12 months.")
    if not current.available:
        return _page(request, "impact", current, months=months)
    excluded = analytics_excluded_person_ids()
    evaluation = impact.evaluate(current.folder, current.published.as_of, impact.cared_for(excluded), excluded, months)
    shown = []
    if evaluation is not None and evaluation.enough:
        shown = [
            impact.difference_chart(evaluation, current.published.as_of),
            impact.balance_chart(evaluation, current.published.as_of),
        ]
    return charts.csv_or(request, shown) or _page(
        request,
        "impact",
        current,
        evaluation=evaluation,
        figures=shown,
        months=months,
        windows=list(impact.WINDOWS),
        min_pairs=impact.MIN_PAIRS,
    )


@require_GET
@require("view_population")
def model_card(request):
    current = Current()
    card = None
    if current.available and (current.folder / "model_card.md").is_file():
        card = render_model_card((current.folder / "model_card.md").read_text(), reverse("insights:calibration"))
    return _page(request, "model_card", current, card=card, configuration=_configuration(current))


def _configuration(current: Current) -> dict | None:
    """The configuration the snapshot was built with, as its manifest recorded it (decision 0066)."""
    manifest = current.folder / "manifest.json" if current.available else None
    if manifest is None or not manifest.is_file():
        return None
    recorded = json.loads(manifest.read_text()).get("config") or {}
    if "fingerprint" not in recorded:
        return None
    return recorded | {"overrides": sorted(n for n, f in (recorded.get("files") or {}).items() if f.get("override"))}


@require_GET
@require("view_population")
def calibration(request):
    current = Current()
    path = current.folder / "calibration.png" if current.available else None
    if path is None or not path.is_file():
        raise Http404("No calibration plot in the published snapshot.")
    response = FileResponse(path.open("rb"), content_type="image/png")
    response["Cache-Control"] = "private, max-age=300"
    return response
