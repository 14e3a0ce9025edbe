"""The planner's area page: a borough's LSOAs with deprivation and need, mapped, and target areas."""

from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_GET

from octopus.accounts.permissions import require
from octopus.core import charts, maps
from octopus.governance import audit

from .. import areas, forms, targeting

MAP_CHOICES = {
    "imd": "IMD 2025 decile",
    **{k: i.label for k, i in targeting.INDICATORS.items()},
    "allocated": "Outreach: households allocated",
    "visited": "Outreach: households visited",
    "not_reached": "Outreach: households not yet reached",
}


@require_GET
@require("plan_outreach")
def areas_page(request):
    """A borough's LSOAs with deprivation and need, a map of one indicator, and target areas
    chosen by rule or by hand (octopus.outreach.targeting). Counts only, published with
    disclosure control; no resident or household is named."""
    boroughs = targeting.boroughs()
    if not boroughs:
        return render(request, "outreach/areas.jinja", {"form": None})
    params = request.GET.copy()
    params.setdefault("borough", boroughs[0])
    params.setdefault("indicator", "imd")
    params.setdefault("share", "25")  # the Westminster model's most deprived 25%
    codes = [a.lsoa_code for a in areas.all_areas() if a.borough_name in boroughs]
    form = forms.AreaForm(params, boroughs=boroughs, indicators=MAP_CHOICES, lsoa_codes=codes)
    if not form.is_valid():
        return render(
            request,
            "outreach/areas.jinja",
            {
                "form": form,
                "rows": [],
                "figures": [],
                "chosen": set(),
                "domains": targeting.DOMAINS,
                "indicators": targeting.INDICATORS,
                "coverage_definition": targeting.COVERAGE_DEFINITION,
            },
        )
    data = form.cleaned_data
    rows = targeting.area_rows(data["borough"], within=data["within"])
    rule = data["rule"]
    if rule == "deprived":
        chosen = targeting.most_deprived(rows, data["share"])
    elif rule == "threshold":
        chosen = targeting.at_or_above(rows, data["threshold_indicator"], data["threshold"])
    elif rule == "hand":
        listed = {r.code for r in rows}
        chosen = [c for c in data["lsoa"] if c in listed]
    else:
        chosen = []
    as_of = targeting.snapshot_date()
    indicator = data["indicator"] or "imd"
    figures = [_area_map(rows, indicator, as_of)]
    if rule:
        figures.append(
            maps.lsoa_map(
                "map-targets",
                "Target areas",
                {r.code: "Target" if r.code in chosen else "Not chosen" for r in rows},
                value_label="Target area",
                kind="text",
                ordinal=True,
                scheme="tableau10",
                definition=charts.Definition(
                    "LSOAs chosen: " + dict(forms.AreaForm.RULES)[rule].lower(),
                    "The LSOAs listed",
                    "IMD 2025 (MHCLG, OGL) and Octopus's latest snapshot; boundaries ONS LSOA 2021 BGC",
                    as_of,
                ),
            )
        )
    response = charts.csv_or(request, figures)
    if response:
        return response
    audit.record_request(
        request, "view", f"Viewed outreach areas for {data['borough']}: {len(rows)} LSOAs, {len(chosen)} chosen"
    )
    plan_link = f"{reverse('outreach:plan')}?areas={','.join(chosen)}" if chosen else ""
    return render(
        request,
        "outreach/areas.jinja",
        {
            "form": form,
            "rows": rows,
            "figures": figures,
            "chosen": set(chosen),
            "chosen_codes": chosen,
            "covered": targeting.covered(rows, chosen) if rule else None,
            "domains": targeting.DOMAINS,
            "indicators": targeting.INDICATORS,
            "coverage_definition": targeting.COVERAGE_DEFINITION,
            "as_of": as_of,
            "plan_link": plan_link,
        },
    )


def _area_map(rows, indicator: str, as_of):
    if indicator == "imd":
        return maps.lsoa_map(
            "map-imd",
            "Deprivation: IMD 2025 decile by LSOA",
            {r.code: r.area.imd_decile for r in rows},
            value_label="IMD 2025 decile",
            kind="text",
            ordinal=True,
            scheme="purples",
            reverse=True,
            definition=charts.Definition(
                "Index of Multiple Deprivation 2025 rank of the LSOA, in tenths of England's LSOAs",
                "All 33,755 LSOAs in England",
                "English Indices of Deprivation 2025 (MHCLG), Open Government "
                "Licence v3.0; boundaries ONS LSOA 2021 BGC",
                as_of,
                "Decile 1 is the most deprived tenth, drawn darkest.",
            ),
        )
    if indicator in targeting.INDICATORS:
        chosen = targeting.INDICATORS[indicator]
        return maps.lsoa_map(
            f"map-{indicator.replace('_', '-')}",
            f"{chosen.label} by LSOA",
            {r.code: r.values[indicator] for r in rows},
            value_label=chosen.label,
            kind="rate" if chosen.per_1000 else "count",
            definition=charts.Definition(
                chosen.definition,
                "Living residents of the LSOA" if chosen.per_1000 else "",
                "Octopus's latest snapshot; boundaries ONS LSOA 2021 BGC",
                as_of,
                "Counts of 1-7 are suppressed and the rest rounded to 5 before any rate "
                "is worked out; grey areas have a suppressed figure.",
            ),
        )
    label = MAP_CHOICES[indicator]
    return maps.lsoa_map(
        f"map-{indicator.replace('_', '-')}",
        f"{label} by LSOA",
        {r.code: getattr(r, indicator) for r in rows},
        value_label=label.split(": ")[1].capitalize(),
        kind="count",
        definition=charts.Definition(
            targeting.COVERAGE_DEFINITION,
            "",
            "Octopus outreach rounds",
            as_of,
            "Counts of 1-7 are suppressed and the rest rounded to 5.",
        ),
    )
