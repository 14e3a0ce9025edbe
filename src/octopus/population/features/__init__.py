"""Features per resident as of a date: one Ibis expression over the linked extract.

``build_features`` joins the small per-topic tables (demographics, conditions, frailty,
activity) onto the residents and fills "no rows" with 0 or False, so every resident has every
feature. It returns an unexecuted Ibis table: the same expression runs on DuckDB or Spark.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

import ibis
import ibis.expr.datatypes as dt
import ibis.expr.operations as ops

from octopus.population.features import activity, conditions, demographics, frailty, prevention
from octopus.population.features.periods import Period
from octopus.population.linked import LinkedExtract

# Per person_id, ``outcome_events_next_year``: the rows that make the training outcome.
OutcomeEvents = Callable[[LinkedExtract, Period], ibis.Table]

COUNT_FEATURES = (
    "emergency_admissions",
    "elective_admissions",
    "maternity_admissions",
    "bed_days",
    "ae_attendances",
    "outpatient_attendances",
    "gp_contacts",
    "ambulance_calls",
    "mental_health_contacts",
    "mental_health_crisis_contacts",
    "mental_health_admissions",
    "community_contacts",
    "vcse_contacts",
    "efi_deficits",
    "ltc_count",
)
# Counts for reporting (the inequalities page), built with the prevention statuses: not model inputs.
REPORTING_COUNTS = ("readmission_index_discharges", "emergency_readmissions_30_days")
COST_COLUMNS = ("apc_cost", "ae_cost", "op_cost", "las_cost", "mh_cost", "mhs_cost", "cc_cost", "asc_cost")
# Hospital cost as the cost-concentration page draws it: the acute hospital's admitted patient
# care, A&E and outpatient activity, the services the NHS Payment Scheme prices for acute trusts
# (NHS England, "2023/25 NHS Payment Scheme") -- not ambulance, mental health, community or
# social care, which make up the rest of ``prior_cost``.
HOSPITAL_COST_COLUMNS = ("apc_cost", "ae_cost", "op_cost")
FLAG_COLUMNS = (
    *(conditions.ltc_column(c) for c in conditions.CONDITIONS),
    "current_inpatient",
    "current_mental_health_inpatient",
    "discharged_last_14_days",
    "social_care_package",
    "care_home_package",
    "care_home_stay",
)


def _int64(value: ibis.Value) -> ibis.IntegerValue:
    """A cast to int64 the engine always runs.

    Ibis drops a cast to the type it already infers, but DuckDB sums integers as 128-bit
    HUGEINT, which reaches Arrow as decimal128 and was converted column by column in Python
    (0.2 s a build at 1M residents); cast in the query, the columns arrive as int64.
    """
    return ops.Cast(value, to=dt.int64).to_expr()


def _join_all(base: ibis.Table, parts: list[ibis.Table]) -> ibis.Table:
    """Left-join every part on person_id as one flat multi-way join.

    Each part's key gets its own name so Ibis keeps a single join chain: nesting a join per
    part compiles several times slower. Each part is on a join's right, the side DuckDB builds
    its hash table on (``engines.JOINS_AS_WRITTEN``, decision 0077): a part is a few columns
    per person, the residents' rows grow wider with each join.
    """
    table = base
    keys = []
    for index, part in enumerate(parts):
        key = f"_pid_{index}"
        part = part.rename({key: "person_id"})
        table = table.left_join(part, [("person_id", key)])
        keys.append(key)
    return table.drop(*keys)


def feature_tables(linked: LinkedExtract, period: Period) -> list[ibis.Table]:
    return [
        conditions.conditions(linked, period),
        # Each score joins the residents on its own: joined to each other first (a full outer
        # join on a coalesced key) the engine misjudged the result's size and built its hash
        # table on the residents side, the costliest join in the query.
        frailty.efi(linked, period),
        frailty.hfrs(linked, period),
        activity.hospital(linked, period),
        *activity.events_in_year(linked, period).values(),
        activity.social_care(linked, period),
        activity.care_home_stays(linked, period),
    ]


def build_features(
    linked: LinkedExtract,
    as_of: date,
    *,
    with_outcome: bool = False,
    ordered: bool = True,
    with_prevention: bool = True,
    outcome_events: OutcomeEvents = activity.emergency_admissions_next_year,
) -> ibis.Table:
    """The feature table as of a date, ordered by person_id unless ``ordered=False``.

    The pipeline asks for it unordered and writes it straight to Parquet: an engine sorting a
    million wide rows cost as much as several feature joins, and only the training sample,
    sorted in Arrow, needs an order (``pipeline._training_frame``). Small results that must
    come back in order use ``engines.execute(..., sort_by=...)``.

    ``with_prevention`` adds the prevention programmes' statuses and open gaps (``prevention``)
    and the 30-day readmission counts (``activity.readmissions``); the risk model does not use
    them, so training builds leave them out.

    ``with_outcome`` adds ``outcome_next_year``: whether the resident had any of
    ``outcome_events`` in the 12 months after ``as_of`` (``risk.outcomes`` names the choices).
    """
    period = Period(as_of)
    parts = feature_tables(linked, period)
    if with_prevention:
        parts += [
            prevention.events(linked, period),
            *prevention.doses(linked, period),
            prevention.birth_dates(linked),
            activity.readmissions(linked, period),
        ]
    if with_outcome:
        parts.append(outcome_events(linked, period))
    table = _join_all(demographics.residents(linked, period), parts)
    fills = {c: _int64(table[c].fill_null(0)) for c in COUNT_FEATURES}
    fills |= {c: table[c].fill_null(False) for c in FLAG_COLUMNS}
    fills["hfrs"] = table.hfrs.fill_null(0.0).cast("float64")
    if with_prevention:
        fills |= {c: _int64(table[c].fill_null(0)) for c in REPORTING_COUNTS}
    table = table.mutate(**fills)
    prior_cost = sum(table[c].fill_null(0.0) for c in COST_COLUMNS)
    as_of_literal = period.literal()
    table = table.mutate(
        prior_cost=prior_cost.cast("float64").round(2),
        hospital_cost=sum(table[c].fill_null(0.0) for c in HOSPITAL_COST_COLUMNS).cast("float64").round(2),
        days_since_last_emergency_admission=as_of_literal.delta(table.last_emergency_admission, unit="day").cast(
            "int64"
        ),
        current_inpatient=table.current_inpatient | table.current_mental_health_inpatient,
        care_home=table.care_home_stay | table.care_home_package | table.care_home_coded,
        housebound=table.housebound_coded,
        homeless=table.no_fixed_abode,
    )
    if with_outcome:
        table = table.mutate(outcome_next_year=table.outcome_events_next_year.fill_null(0) > 0)
    table = frailty.with_frailty_categories(table)
    if with_prevention:
        table = prevention.with_prevention(table, period)
    drop = [
        *COST_COLUMNS,
        "last_emergency_admission",
        "care_home_stay",
        "care_home_package",
        "care_home_coded",
        "housebound_coded",
        "no_fixed_abode",
        "current_mental_health_inpatient",
    ]
    if with_outcome:
        drop.append("outcome_events_next_year")
    table = table.drop(*drop)
    return table.order_by("person_id") if ordered else table
