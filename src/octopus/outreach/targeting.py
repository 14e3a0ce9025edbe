"""Where to send CHWWs: each LSOA of a borough with its deprivation (IMD 2025, shipped) and
Octopus's own need indicators from the residents the latest snapshot published, and target areas
chosen by rule or by hand.

Every count shown leaves here through ``publish_count`` (1-7 suppressed, the rest rounded to 5;
OpenSAFELY rules, decision 0029), and a rate per 1,000 is worked out from those published counts,
so the page and its CSV cannot be differenced back to a small number. The rules choose on the
unrounded counts (a choice is not a disclosure); what they cover is shown rounded.

Rules:
- **Most deprived first**: LSOAs in IMD 2025 rank order (1 = most deprived in England) until they
  hold the given share of the borough's residents — the Westminster model's "most deprived 25%
  of the population". The LSOA that crosses the line is included, so the share is at least
  the one asked for.
- **Indicator at or above a threshold**: e.g. prevention gaps of 300 or more per 1,000.
- **By hand**: the LSOAs ticked in the table.
"""

from __future__ import annotations

import csv
import datetime as dt
from dataclasses import dataclass, field
from functools import cache

from django.db.models import Count, Max, Q

from octopus import clock
from octopus.core.disclosure import publish_count
from octopus.reference import imd_domains_path
from octopus.residents.models import ActivityEvent, ActivityKind, Household, Resident

from . import areas
from .models import COUNTS_AS_VISITED, Allocation
from .queries import HIGH_RISK_BANDS

DOMAINS = {
    "income_rank": "Income",
    "employment_rank": "Employment",
    "education_rank": "Education, skills and training",
    "health_rank": "Health and disability",
    "crime_rank": "Crime",
    "barriers_housing_services_rank": "Barriers to housing and services",
    "living_environment_rank": "Living environment",
}


@dataclass(frozen=True)
class Indicator:
    label: str
    definition: str
    per_1000: bool


INDICATORS = {
    "high_risk": Indicator(
        "High-risk residents per 1,000",
        "Living residents in the top two risk bands (very high, high) "
        "at the latest snapshot, per 1,000 living residents of the LSOA.",
        True,
    ),
    "unregistered": Indicator(
        "Residents not registered with a GP",
        "Living residents the linked feeds know of who have no current GP registration.",
        False,
    ),
    "prevention_gaps": Indicator(
        "Residents with a prevention gap per 1,000",
        "Living residents with at least one open "
        "prevention gap (decision 0021) at the latest snapshot, per 1,000 living residents.",
        True,
    ),
    "alone_75": Indicator(
        "People aged 75+ living alone",
        "Living residents aged 75 or over on the snapshot date who are the only living resident of their household.",
        False,
    ),
    "ae_per_1000": Indicator(
        "A&E attendances per 1,000",
        "A&E attendances of the LSOA's living residents in the 12 months "
        "before the snapshot date, per 1,000 living residents.",
        True,
    ),
}
COVERAGE_DEFINITION = (
    "Households in the LSOA allocated on an outreach round running on the day (not withdrawn); visited: "
    "a visit recorded as engaged, declined or moved away; not yet reached: allocated and not visited."
)


@dataclass
class AreaRow:
    area: areas.Area
    imd_score: float
    domains: dict[str, int]
    residents: int | None
    households: int | None
    values: dict[str, float | int | None]
    allocated: int | None
    visited: int | None
    not_reached: int | None
    raw_residents: int = field(default=0, repr=False)
    raw_households: int = field(default=0, repr=False)
    raw_values: dict[str, float] = field(default_factory=dict, repr=False)

    @property
    def code(self) -> str:
        return self.area.lsoa_code


@cache
def _domains() -> dict[str, dict[str, int]]:
    with imd_domains_path().open(newline="") as handle:
        return {row["lsoa21_code"]: {k: int(row[k]) for k in DOMAINS} for row in csv.DictReader(handle)}


@cache
def _scores() -> dict[str, float]:
    from octopus.reference import lsoas_path

    with lsoas_path().open(newline="") as handle:
        return {row["lsoa21_code"]: float(row["imd_score"]) for row in csv.DictReader(handle) if row["imd_score"]}


def boroughs() -> list[str]:
    """Boroughs where published households live, most households first."""
    codes = Household.objects.values_list("lsoa_code", flat=True).distinct()
    counts: dict[str, int] = {}
    for code in codes:
        found = areas.area(code)
        if found:
            counts[found.borough_name] = counts.get(found.borough_name, 0) + 1
    return sorted(counts, key=lambda b: (-counts[b], b))


def snapshot_date() -> dt.date:
    latest = Resident.objects.aggregate(latest=Max("snapshot_as_of"))["latest"]
    return latest or clock.london_today()


def _counts(queryset, key: str = "lsoa_code") -> dict[str, int]:
    return {row[key]: row["n"] for row in queryset.values(key).annotate(n=Count("pk", distinct=True))}


def area_rows(borough: str, *, within: str = "") -> list[AreaRow]:
    """Every LSOA of the borough (or those whose name, ward or MSOA contains ``within``)."""
    chosen = [a for a in areas.all_areas() if a.borough_name == borough]
    if within.strip():
        matching = areas.lsoas_matching(within)
        chosen = [a for a in chosen if a.lsoa_code in matching]
    codes = [a.lsoa_code for a in chosen]
    as_of = snapshot_date()
    living = Resident.objects.filter(lsoa_code__in=codes, date_of_death__isnull=True)
    residents = _counts(living)
    high_risk = _counts(living.filter(risk_band__in=HIGH_RISK_BANDS))
    unregistered = _counts(living.filter(registered=False))
    gaps: dict[str, int] = {}
    # In Python: an empty JSON list is compared differently by SQLite and PostgreSQL.
    for code, open_gaps in living.values_list("lsoa_code", "prevention_gaps").iterator(chunk_size=5000):
        if open_gaps:
            gaps[code] = gaps.get(code, 0) + 1
    alone_households = (
        Household.objects.filter(lsoa_code__in=codes)
        .annotate(living=Count("residents", filter=Q(residents__date_of_death__isnull=True)))
        .filter(living=1)
        .values("pk")
    )
    cutoff = _years_before(as_of, 75)
    alone_75 = _counts(living.filter(household__in=alone_households, date_of_birth__lte=cutoff))
    ae = {
        row["resident__lsoa_code"]: row["n"]
        for row in ActivityEvent.objects.filter(
            resident__in=living,
            kind=ActivityKind.AE,
            occurred_on__gt=_years_before(as_of, 1),
            occurred_on__lte=as_of,
        )
        .values("resident__lsoa_code")
        .annotate(n=Count("pk"))
    }
    households = _counts(Household.objects.filter(lsoa_code__in=codes, residents__date_of_death__isnull=True))
    today = clock.london_today()
    live = Allocation.objects.filter(
        withdrawn_at__isnull=True,
        round__withdrawn_at__isnull=True,
        round__starts_on__lte=today,
        round__ends_on__gte=today,
        household__lsoa_code__in=codes,
    )
    allocated = _counts(live, "household__lsoa_code")
    visited = _counts(live.filter(visits__outcome__in=COUNTS_AS_VISITED), "household__lsoa_code")
    rows = []
    for a in chosen:
        n = residents.get(a.lsoa_code, 0)
        shown_n = publish_count(n)
        raw = {
            "high_risk": high_risk.get(a.lsoa_code, 0),
            "unregistered": unregistered.get(a.lsoa_code, 0),
            "prevention_gaps": gaps.get(a.lsoa_code, 0),
            "alone_75": alone_75.get(a.lsoa_code, 0),
            "ae_per_1000": ae.get(a.lsoa_code, 0),
        }
        values = {}
        for key, count in raw.items():
            shown = publish_count(count)
            if INDICATORS[key].per_1000:
                values[key] = shown / shown_n * 1000 if shown is not None and shown_n else None
            else:
                values[key] = shown
        raw_values = {k: (v / n * 1000 if n else 0.0) if INDICATORS[k].per_1000 else float(v) for k, v in raw.items()}
        given, seen = allocated.get(a.lsoa_code, 0), visited.get(a.lsoa_code, 0)
        rows.append(
            AreaRow(
                a,
                _scores().get(a.lsoa_code, 0.0),
                _domains().get(a.lsoa_code, {}),
                shown_n,
                publish_count(households.get(a.lsoa_code, 0)),
                values,
                publish_count(given),
                publish_count(seen),
                publish_count(given - seen),
                raw_residents=n,
                raw_households=households.get(a.lsoa_code, 0),
                raw_values=raw_values,
            )
        )
    return sorted(rows, key=lambda r: r.area.imd_rank)


def _years_before(day: dt.date, years: int) -> dt.date:
    try:
        return day.replace(year=day.year - years)
    except ValueError:  # 29 February
        return day.replace(year=day.year - years, day=28)


# --- rules (pure: rows in, LSOA codes out) ------------------------------------------------------


class RuleError(ValueError):
    """A rule's setting is out of range; the message names the field."""


def most_deprived(rows: list[AreaRow], share_percent: float) -> list[str]:
    if not 0 < share_percent <= 100:
        raise RuleError("Share of residents: give a percentage from 1 to 100.")
    total = sum(r.raw_residents for r in rows)
    chosen, covered = [], 0
    for row in sorted(rows, key=lambda r: r.area.imd_rank):
        if total and covered / total * 100 >= share_percent:
            break
        chosen.append(row.code)
        covered += row.raw_residents
    return chosen


def at_or_above(rows: list[AreaRow], indicator: str, threshold: float) -> list[str]:
    if indicator not in INDICATORS:
        raise RuleError(f"Indicator: choose one of {', '.join(i.label for i in INDICATORS.values())}.")
    if threshold < 0:
        raise RuleError("Threshold: give a number of 0 or more.")
    return [r.code for r in rows if r.raw_residents and r.raw_values[indicator] >= threshold]


@dataclass(frozen=True)
class Covered:
    lsoas: int
    residents: int | None
    households: int | None
    share_percent: float | None  # of the listed LSOAs' residents, from the published counts


def covered(rows: list[AreaRow], codes) -> Covered:
    chosen = set(codes)
    residents = publish_count(sum(r.raw_residents for r in rows if r.code in chosen))
    total = publish_count(sum(r.raw_residents for r in rows))
    return Covered(
        len(chosen),
        residents,
        publish_count(sum(r.raw_households for r in rows if r.code in chosen)),
        residents / total * 100 if residents is not None and total else None,
    )
