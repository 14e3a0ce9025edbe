"""Pre-aggregated tables for the Population chart pages (issue #17, decision 0055).

The chart pages (overview, cost concentration, capitation, map, practice variation, deprivation)
used to aggregate every row of ``residents.parquet`` on each request: seconds at 1M residents.
These tables hold the same counts and sums once per snapshot, in ``charts/`` beside it, so a page
sums a few thousand rows instead.

The pages show a figure for an *area*: everyone, a neighbourhood (residents living in its LSOAs
or registered with its practices), a PCN or a practice (residents registered there). Areas are
defined in the operational database, not here, so every table is kept at the finest grain any
area is built from, the *place*: LSOA of residence × practice × registered. Whether a place is in
an area is a yes/no question about its three values, so the sum over an area's places is exactly
the figure over its residents.

- ``bands``: place × risk band: residents, emergency admissions (events and residents with one),
  cost of care (total and hospital), residents flagged rising risk, residents with a prevention
  gap. The overview's risk pyramid and trends, the cost and capitation pages, the map and the
  practice funnels read it.
- ``segments``: place × segment ("not assigned" where none): residents, admissions, cost.
- ``age_sex``: place × five-year age band (0 = 0-4 ... 18 = 90+) × sex: residents.
- ``costs``: kind (``prior_cost`` or ``hospital_cost``) × place × cost: residents with exactly
  that cost. The Lorenz curves need the whole distribution, not a sum; many residents share a
  cost (none, or a single tariff), so this is the exact distribution in fewer rows than residents.
- ``deprivation``: IMD decile × risk band: residents and the sum and count of risk probabilities.

One Ibis expression per table: the same counts on DuckDB and Spark. Residents with a standing
objection to secondary use (``analytics_excluded``) are left out, as from every population figure
(decision 0023). Nothing here identifies anyone, and disclosure control is applied where the
figures are shown (``insights``), exactly as when they were computed from residents.
"""

from __future__ import annotations

from pathlib import Path

import ibis
import pandas as pd

PLACE = ("lsoa_code", "practice_ods_code", "registered")
TABLES = ("bands", "segments", "age_sex", "costs", "deprivation")
COST_KINDS = ("prior_cost", "hospital_cost")
TOP_BANDS = (1, 2, 3)  # the WELC target population's bands (config/cohorts.yaml)
NOT_ASSIGNED = "not assigned"
# The columns of residents.parquet the tables read; any missing (an older snapshot) is empty.
COLUMNS = {
    "lsoa_code": "string",
    "practice_ods_code": "string",
    "registered": "boolean",
    "risk_band": "int64",
    "segment": "string",
    "age": "float64",
    "sex": "string",
    "emergency_admissions": "int64",
    "prior_cost": "float64",
    "hospital_cost": "float64",
    "rising_risk": "boolean",
    "prevention_gap_count": "int64",
    "imd_decile": "int64",
    "risk_probability": "float64",
}


def _count_if(condition) -> ibis.IntegerValue:
    return condition.fill_null(False).ifelse(1, 0).sum().cast("int64")


def _included(residents: ibis.Table) -> ibis.Table:
    """Residents counted, with every column the tables read (an absent one as nulls) and the place.

    A snapshot without ``registered`` treats everyone as registered, as the pages always did."""
    table = residents
    if "analytics_excluded" in table.columns:
        table = table.filter(~table.analytics_excluded.fill_null(False))
    missing = {name: ibis.null(kind) for name, kind in COLUMNS.items() if name not in table.columns}
    if "registered" in missing:
        missing["registered"] = ibis.literal(True)
    table = table.mutate(**missing) if missing else table
    return table.mutate(
        registered=table.registered.fill_null(False),
        lsoa_code=table.lsoa_code.cast("string"),
        practice_ods_code=table.practice_ods_code.cast("string"),
    )


def chart_tables(residents: ibis.Table) -> dict[str, ibis.Table]:
    """The five tables (see the module docstring) as Ibis expressions over the snapshot's residents."""
    table = _included(residents)
    admissions = table.emergency_admissions.fill_null(0)
    bands = table.group_by([*PLACE, "risk_band"]).aggregate(
        residents=table.count().cast("int64"),
        emergency_admissions=admissions.sum().cast("int64"),
        admitted=_count_if(admissions > 0),
        prior_cost=table.prior_cost.fill_null(0.0).sum().cast("float64"),
        hospital_cost=table.hospital_cost.fill_null(0.0).sum().cast("float64"),
        rising_risk=_count_if(table.rising_risk),
        prevention_gap=_count_if(table.prevention_gap_count.fill_null(0) > 0),
    )
    named = table.mutate(segment=table.segment.fill_null(NOT_ASSIGNED))
    segments = named.group_by([*PLACE, "segment"]).aggregate(
        residents=named.count().cast("int64"),
        emergency_admissions=named.emergency_admissions.fill_null(0).sum().cast("int64"),
        prior_cost=named.prior_cost.fill_null(0.0).sum().cast("float64"),
    )
    # Five-year bands to 90+, as the pyramid draws them; ages below 0 (never seen) count as 0-4.
    # GREATEST and LEAST skip nulls on DuckDB and Spark, so an unknown age is kept unknown first.
    age_band = ibis.least(ibis.greatest(table.age, 0), 90).floordiv(5).cast("int64")
    aged = table.mutate(age_band=table.age.isnull().ifelse(ibis.null("int64"), ibis.least(age_band, 18)))
    age_sex = aged.group_by([*PLACE, "age_band", "sex"]).aggregate(residents=aged.count().cast("int64"))
    parts = []
    for kind in COST_KINDS:
        valued = table.mutate(kind=ibis.literal(kind), cost=table[kind].fill_null(0.0).cast("float64"))
        parts.append(valued.group_by(["kind", *PLACE, "cost"]).aggregate(residents=valued.count().cast("int64")))
    costs = ibis.union(*parts)
    deprivation = table.group_by(["imd_decile", "risk_band"]).aggregate(
        residents=table.count().cast("int64"),
        risk_probability_sum=table.risk_probability.sum().cast("float64"),
        risk_probability_count=table.risk_probability.count().cast("int64"),
    )
    return {"bands": bands, "segments": segments, "age_sex": age_sex, "costs": costs, "deprivation": deprivation}


SORT = {
    "bands": [*PLACE, "risk_band"],
    "segments": [*PLACE, "segment"],
    "age_sex": [*PLACE, "age_band", "sex"],
    "costs": ["kind", *PLACE, "cost"],
    "deprivation": ["imd_decile", "risk_band"],
}


def execute_tables(con, residents: ibis.Table) -> dict[str, pd.DataFrame]:
    """Each table run on ``con`` and sorted, so the files are the same whichever engine made them."""
    from octopus.population import engines

    frames = {}
    for name, expression in chart_tables(residents).items():
        frame = engines.execute(con, expression)
        frames[name] = frame.sort_values(SORT[name], na_position="first", ignore_index=True)
    return frames


def write_chart_tables(con, residents: ibis.Table, folder: Path) -> dict[str, int]:
    """Write the tables as ``folder/<name>.parquet``; returns rows per table."""
    folder.mkdir(parents=True, exist_ok=True)
    rows = {}
    for name, frame in execute_tables(con, residents).items():
        frame.to_parquet(folder / f"{name}.parquet", index=False)
        rows[name] = len(frame)
    return rows
