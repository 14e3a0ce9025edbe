"""Rising risk: residents whose risk has grown since the previous snapshot, and what changed.

Flagged when the risk centile rose by at least ``centile_rise`` since the previous run, or the
resident newly entered the top ``top_percent`` — and, with ``requires_change`` (the shipped
bands.yaml), something in the resident's own record changed too: a retrained model moves many
centiles by ten or more with nothing new about the resident, and a list of those is noise. Residents
new to the population have no history and are not flagged; residents left out of analytics (an
objection, ``objections.py``) have no centile and are never flagged. Case-managed residents are
flagged like anyone else and keep ``case_managed = True``, so a list can say who already holds the
case rather than hide them.

The reason says what changed between the two snapshots, in words, most important first:
emergency admissions and A&E attendances since the previous run (``events_since``, counted from
the linked feeds between the two as-of dates), new diagnoses, worse frailty, moving into a care
home or onto the palliative care register, a move to a higher band, and last the centile
change itself. Everything is column arithmetic over the population (one pass per kind of change,
never one per resident), so it costs the same few seconds at a million residents.
"""

from __future__ import annotations

from datetime import date

import ibis
import ibis.expr.datatypes as dt
import numpy as np
import pandas as pd

from octopus.population.engines import id_positions
from octopus.population.features.conditions import LONG_TERM_CONDITIONS, ltc_column
from octopus.population.features.frailty import EFI_THRESHOLDS
from octopus.population.features.periods import count_where
from octopus.population.risk.bands import RisingRiskRule

SEP = "; "
# eFI categories from least to most frail (Clegg 2016, see features.frailty).
EFI_ORDER = ("fit", *(name for _, name in reversed(EFI_THRESHOLDS)))
# Flags whose appearance between two runs is a change worth naming, with the words for it.
NEW_FLAGS = {
    "palliative_care": "newly on the palliative care register",
    "care_home": "moved into a care home",
    "housebound": "newly recorded as housebound",
    "social_care_package": "new social care package",
}
DIAGNOSES = {ltc_column(c): c.label for c in LONG_TERM_CONDITIONS}
EVENTS_SINCE = (
    "emergency_admissions_since_previous",
    "ae_attendances_since_previous",
    "ambulance_calls_since_previous",
)
# Columns the previous snapshot and the current features must both carry for the comparison.
COMPARED_COLUMNS = ("risk_band", "efi_category", *NEW_FLAGS, *DIAGNOSES)


def events_since(
    apc_spells: ibis.Table, ae_attendances: ibis.Table, las_incidents: ibis.Table, since: date, as_of: date
) -> ibis.Table:
    """Emergency admissions, A&E attendances and ambulance calls after ``since`` up to ``as_of``.

    One row per person with any (``EVENTS_SINCE`` columns). Counted from the events themselves
    rather than as a difference of 12-month counts: a difference also moves when an old
    attendance leaves the window, which is not news.
    """

    def between(day):
        return (day > since) & (day <= as_of)

    def rows(table: ibis.Table, kind: int) -> ibis.Table:
        # One nullable type for every feed's person_id, or the union refuses the mix.
        return table.select(person_id=table.person_id.cast(dt.String(nullable=True)), kind=ibis.literal(kind))

    emergency = apc_spells.admission_method == "emergency"
    rows = [
        rows(apc_spells.filter(between(apc_spells.admission_date) & emergency), 0),
        rows(ae_attendances.filter(between(ae_attendances.arrival_datetime.date())), 1),
        rows(las_incidents.filter(between(las_incidents.incident_datetime.date())), 2),
    ]
    events = ibis.union(*rows)
    return events.group_by("person_id").aggregate(
        **{column: _int64(count_where(events.kind == kind)) for kind, column in enumerate(EVENTS_SINCE)}
    )


def _int64(value):
    return value.cast("int64")


def _plural(count: pd.Series, one: str, many: str) -> pd.Series:
    counts = count.astype("int64").astype("string")
    return counts + np.where(count == 1, f" {one}", f" {many}")


def _join(pieces: list[pd.Series], index: pd.Index) -> pd.Series:
    """Join the non-missing pieces of each row with "; ", in the order given."""
    reason = pd.Series(pd.NA, index=index, dtype="string")
    for piece in pieces:
        piece = piece.astype("string")
        reason = (reason + SEP + piece).fillna(reason).fillna(piece)
    return reason


def change_reasons(
    current: pd.DataFrame, previous: pd.DataFrame, rule: RisingRiskRule, previous_as_of: str | None = None
) -> tuple[pd.Series, pd.Series]:
    """What changed for each resident of ``current`` since ``previous`` (aligned rows, same index).

    ``current`` has this run's ``risk_centile``, ``risk_band`` and any of the compared columns
    and ``EVENTS_SINCE`` counts; ``previous`` the same columns from the previous snapshot
    (missing where the resident was not in it). Columns missing on either side are skipped, so
    a snapshot written before a column existed still compares on the rest.

    Returns the reasons and whether the resident's own record changed (an event, a diagnosis,
    frailty, a new flag) rather than only their rank, which also moves when the model is
    retrained.
    """
    index = current.index
    pieces: list[pd.Series] = []
    changed = pd.Series(False, index=index)

    def when(mask, text, record: bool = True) -> None:
        nonlocal changed
        mask = pd.Series(mask, index=index).fillna(False).astype(bool)
        if record:
            changed |= mask
        if mask.any():
            text = text if isinstance(text, pd.Series) else pd.Series(text, index=index, dtype="string")
            pieces.append(text.where(mask))

    def both(column: str) -> bool:
        return column in current.columns and column in previous.columns

    # The date once, on the centile; events say "since the last run" (publish keeps 300 characters).
    since = f" since the run as of {previous_as_of}" if previous_as_of else " since the previous run"
    recent = " since the last run"
    if "emergency_admissions_since_previous" in current.columns:
        admissions = current["emergency_admissions_since_previous"].fillna(0)
        when(admissions == 1, f"admitted as an emergency{recent}")
        when(admissions > 1, _plural(admissions, "", "emergency admissions") + recent)
    if "ae_attendances_since_previous" in current.columns:
        attendances = current["ae_attendances_since_previous"].fillna(0)
        when(attendances > 0, _plural(attendances, "A&E attendance", "A&E attendances") + recent)
    if "ambulance_calls_since_previous" in current.columns:
        calls = current["ambulance_calls_since_previous"].fillna(0)
        when(calls > 0, _plural(calls, "ambulance call", "ambulance calls") + recent)
    for column, label in DIAGNOSES.items():
        if both(column):
            when(
                current[column].fillna(False).astype(bool) & (previous[column] == False),  # noqa: E712 (NA stays NA)
                f"new {label} diagnosis",
            )
    if both("efi_category"):
        rank = {name: position for position, name in enumerate(EFI_ORDER)}
        now, before = current["efi_category"].map(rank), previous["efi_category"].map(rank)
        worse = now > before
        when(worse & (before == 0), "new frailty: " + current["efi_category"].astype("string"))
        when(
            worse & (before > 0),
            "frailty from "
            + previous["efi_category"].astype("string")
            + " to "
            + current["efi_category"].astype("string"),
        )
    for column, text in NEW_FLAGS.items():
        if both(column):
            when(current[column].fillna(False).astype(bool) & (previous[column] == False), text)  # noqa: E712
    if both("risk_band"):
        before_band = previous["risk_band"].astype("Int64")
        when(
            current["risk_band"] < before_band,
            "moved from band "
            + before_band.astype("string")
            + " to band "
            + current["risk_band"].astype("Int64").astype("string"),
            record=False,
        )
    prior = previous["risk_centile"].astype("Int64")
    threshold = 100 - rule.top_percent  # centile above which a resident is in the top share
    when(
        (current["risk_centile"] - prior) >= rule.centile_rise,
        "risk centile rose from "
        + prior.astype("string")
        + " to "
        + current["risk_centile"].astype("Int64").astype("string")
        + since,
        record=False,
    )
    when(
        (current["risk_centile"] > threshold) & (prior <= threshold),
        f"newly in the top {rule.top_percent:g}% for risk",
        record=False,
    )
    return _join(pieces, index), changed


def flag_rising_risk(
    scored: pd.DataFrame,
    previous: pd.DataFrame | None,
    rule: RisingRiskRule,
    case_managed: frozenset[str] = frozenset(),
    previous_as_of: str | None = None,
) -> pd.DataFrame:
    """``scored`` plus ``case_managed``, ``previous_risk_centile``, ``rising_risk`` and its reason.

    ``previous`` is the previous snapshot's rows (``person_id``, ``risk_centile`` and whichever
    of ``COMPARED_COLUMNS`` it has); ``scored`` may carry the compared columns and
    ``EVENTS_SINCE`` for this run.
    """
    result = scored.copy(deep=False)  # copy-on-write: see score._with_scores
    result["case_managed"] = result["person_id"].isin(case_managed)
    if previous is None or previous.empty:
        result["previous_risk_centile"] = pd.array([pd.NA] * len(result), dtype="Int64")
        result["rising_risk"] = False
        result["rising_risk_reason"] = None
        return result
    before = previous.drop_duplicates("person_id").set_index("person_id")
    found = id_positions(result["person_id"], before.index.to_series())
    centiles = before["risk_centile"].astype("Int64").array
    prior = pd.Series(centiles.take(found, allow_fill=True), index=result.index, dtype="Int64")
    result["previous_risk_centile"] = prior
    threshold = 100 - rule.top_percent
    centile = result["risk_centile"].astype("Int64")
    rose = ((centile - prior) >= rule.centile_rise) | ((centile > threshold) & (prior <= threshold))
    flagged = rose.fillna(False).astype(bool).to_numpy().copy()
    reasons = pd.Series(pd.NA, index=result.index, dtype="string")
    if flagged.any():
        # Reasons only for the risen residents: a fraction of the population.
        now = result.loc[flagged]
        then = before.reindex(now["person_id"]).set_axis(now.index)
        text, changed = change_reasons(now, then, rule, previous_as_of)
        if rule.requires_change:
            text = text.where(changed)
            flagged[flagged] = changed.to_numpy()
        reasons.loc[text.index] = text
    # Object dtype with None: pandas 3 would infer its "str" dtype, whose missing value is NaN.
    result["rising_risk_reason"] = pd.Series(
        np.where(reasons.isna().to_numpy(), None, reasons.to_numpy(dtype=object)), index=result.index, dtype=object
    )
    result["rising_risk"] = flagged
    return result
