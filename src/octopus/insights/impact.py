"""INT impact (issue #17): residents in the INT's care against matched residents who were not,
before and after, by difference-in-differences (``octopus.stats.impact``; decision 0046).

Who is in the INT's care: every resident with a case opened on an INT team's caseload or
discussed at an MDT; their *index date* is the first of those days. Residents who opted out of
secondary use are left out, as on every Population page. Only residents whose whole follow-up
window ends on or before the snapshot's as-of date are evaluated (the linked extract holds no
later activity).

Comparators: snapshot residents never taken on or discussed, up to ``COMPARATORS_PER_PERSON``
for each resident taken on (a fixed random sample, so the page is the same on every load). Each
is given an index date drawn from those of the residents taken on, so both groups are counted
over the same calendar months. Use of services around each index date comes from the linked
extract (``population.impact.use_around``, DuckDB).

Matching: propensity score on age, sex, deprivation, long-term conditions, the snapshot's risk
and the use of services in the window before the index date; 1:1 within a caliper. The snapshot's
risk is as of its own date, after some residents were taken on, so it is a proxy for risk at the
index date; prior use of services is measured at the index date itself.

Disclosure: counts shown are published counts (``core.disclosure``); means and estimates are
shown only from ``MIN_PAIRS`` matched pairs.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import altair as alt
import numpy as np
import pandas as pd
import pyarrow.parquet as pq
from django.utils import timezone

from octopus.core.charts import Chart, Column, Definition, chart
from octopus.core.disclosure import publish_count
from octopus.population.impact import WINDOWS
from octopus.stats.impact import (
    NEGLIGIBLE_SMD,
    Difference,
    difference_in_differences,
    match,
    propensity_scores,
    standardised_differences,
)

COMPARATORS_PER_PERSON = 10
MIN_PAIRS = 10
SEED = 20261203
MEASURES = {
    "emergency_admissions": "Emergency admissions",
    "emergency_bed_days": "Emergency bed days",
    "ae_attendances": "A&E attendances",
}
BASE_COVARIATES = {
    "age": "Age",
    "male": "Male",
    "imd_decile": "IMD decile",
    "ltc_count": "Long-term conditions",
    "risk_probability": "Risk of emergency admission (snapshot)",
}
SOURCE = (
    "Caseloads and MDT discussions in Octopus; emergency admissions and A&E attendances from the "
    "linked extract the snapshot was built from"
)


def cared_for(excluded: set[str]) -> pd.DataFrame:
    """person_id and index date (first case opened or first MDT discussion) of each resident."""
    from octopus.care.models import Case
    from octopus.meetings.models import WorklistEntry

    rows = [(pid, when) for pid, when in Case.objects.values_list("resident__person_id", "opened_at")]
    rows += [
        (pid, when)
        for pid, when in WorklistEntry.objects.filter(discussed_at__isnull=False).values_list(
            "resident__person_id", "discussed_at"
        )
    ]
    frame = pd.DataFrame([(pid, timezone.localdate(when)) for pid, when in rows], columns=["person_id", "index_date"])
    frame = frame[~frame["person_id"].isin(excluded)]
    return frame.groupby("person_id", as_index=False)["index_date"].min()


def linked_dir(snapshot_folder: Path) -> Path | None:
    manifest = snapshot_folder / "manifest.json"
    if not manifest.is_file():
        return None
    recorded = json.loads(manifest.read_text()).get("linked_extract", {}).get("directory")
    return Path(recorded) if recorded and (Path(recorded) / "persons.parquet").is_file() else None


def _snapshot_covariates(snapshot_folder: Path, excluded: set[str]) -> pd.DataFrame:
    path = snapshot_folder / "residents.parquet"
    frame = _covariates(str(path), path.stat().st_mtime)
    return frame[~frame["person_id"].isin(excluded)] if excluded else frame


@lru_cache(maxsize=2)
def _covariates(path: str, modified: float) -> pd.DataFrame:
    """The matching covariates of every resident, read once per snapshot file (a million rows'
    read was most of the page's time at 1M residents; decision 0055)."""
    available = set(pq.read_schema(path).names)
    wanted = ["person_id", "age", "sex", "imd_decile", "ltc_count", "risk_probability", "analytics_excluded"]
    frame = pd.read_parquet(path, columns=[c for c in wanted if c in available])
    if "analytics_excluded" in frame.columns:
        frame = frame[~frame["analytics_excluded"].fillna(False).astype(bool)]
    if "sex" in frame.columns:
        frame["male"] = (frame["sex"].astype("object") == "male").astype(int)
    return frame.drop(columns=[c for c in ("sex", "analytics_excluded") if c in frame.columns])


def _use_around(linked: Path, index: pd.DataFrame) -> pd.DataFrame:
    import ibis

    from octopus.population import engines
    from octopus.population.impact import use_around
    from octopus.population.linked import read_linked

    con = engines.connect()
    table = con.create_table(
        "impact_index", ibis.memtable(index[["person_id", "index_date"]]).to_pyarrow(), overwrite=True
    )
    return engines.execute(con, use_around(read_linked(linked, con), table))


@dataclass
class Evaluation:
    months: int
    cared_for: int | None  # published counts
    evaluated: int | None
    pairs: int | None
    unmatched: int | None
    differences: dict[str, Difference]
    balance: list[dict]
    enough: bool


def evaluate(
    snapshot_folder: Path, as_of: dt.date, treated: pd.DataFrame, excluded: set[str], months: int
) -> Evaluation | None:
    """The matched difference-in-differences over ``months`` before and after, or None without
    a linked extract to count from.

    The result depends only on the snapshot, the residents taken on and their index dates, the
    objectors and the window (the comparators' sample is seeded), so it is kept per process for
    those inputs: the page recounts only when a resident is taken on, objects or a snapshot is
    published, not on every request (decision 0055)."""
    residents = snapshot_folder / "residents.parquet"
    key = (
        str(snapshot_folder),
        residents.stat().st_mtime if residents.is_file() else None,
        as_of,
        months,
        tuple(sorted(zip(treated["person_id"], treated["index_date"], strict=True))),
        frozenset(excluded),
    )
    if key not in _EVALUATIONS:
        if len(_EVALUATIONS) >= 8:
            _EVALUATIONS.pop(next(iter(_EVALUATIONS)))
        _EVALUATIONS[key] = _evaluate(snapshot_folder, as_of, treated, excluded, months)
    return _EVALUATIONS[key]


_EVALUATIONS: dict[tuple, Evaluation | None] = {}


def _evaluate(
    snapshot_folder: Path, as_of: dt.date, treated: pd.DataFrame, excluded: set[str], months: int
) -> Evaluation | None:
    linked = linked_dir(snapshot_folder)
    if linked is None:
        return None
    days = WINDOWS[months]
    covariates = _snapshot_covariates(snapshot_folder, excluded)
    treated = treated[treated["person_id"].isin(covariates["person_id"])]
    eligible = treated[treated["index_date"] <= as_of - dt.timedelta(days=days)]
    rng = np.random.default_rng(SEED)
    pool = covariates[~covariates["person_id"].isin(treated["person_id"])]
    size = min(len(pool), COMPARATORS_PER_PERSON * len(eligible))
    empty = Evaluation(months, publish_count(len(treated)), publish_count(len(eligible)), 0, None, {}, [], False)
    if len(eligible) < MIN_PAIRS or size < MIN_PAIRS:
        return empty
    comparators = pool.iloc[np.sort(rng.choice(len(pool), size=size, replace=False))][["person_id"]].copy()
    comparators["index_date"] = rng.choice(eligible["index_date"].to_numpy(), size=size, replace=True)
    index = pd.concat([eligible.assign(treated=True), comparators.assign(treated=False)], ignore_index=True)
    use = _use_around(linked, index)
    frame = index.merge(use.drop(columns=["index_date"]), on="person_id").merge(covariates, on="person_id", how="left")
    before = {m: f"{m}_before_{months}m" for m in MEASURES}
    labels = {
        **{c: label for c, label in BASE_COVARIATES.items() if c in frame.columns},
        **{before[m]: f"{label} in the {months} months before" for m, label in MEASURES.items()},
    }
    for column in labels:
        frame[column] = (
            frame[column].astype("float64").fillna(frame[column].median() if frame[column].notna().any() else 0.0)
        )
    frame = frame.set_index("person_id")
    frame["score"] = propensity_scores(frame, "treated", list(labels))
    matching = match(frame, "treated", "score")
    pairs = matching.pairs
    if len(pairs) < MIN_PAIRS:
        return Evaluation(months, empty.cared_for, empty.evaluated, publish_count(len(pairs)), None, {}, [], False)
    t = frame.loc[[a for a, _ in pairs]]
    c = frame.loc[[b for _, b in pairs]]
    smd_before = standardised_differences(frame[frame["treated"]], frame[~frame["treated"]], list(labels))
    smd_after = standardised_differences(t, c, list(labels))
    balance = [
        {
            "covariate": label,
            "before_matching": smd_before[col],
            "after_matching": smd_after[col],
            "balanced": "yes" if abs(smd_after[col]) < NEGLIGIBLE_SMD else "no",
        }
        for col, label in labels.items()
    ]
    differences = {
        m: difference_in_differences(
            t[f"{m}_before_{months}m"], t[f"{m}_after_{months}m"], c[f"{m}_before_{months}m"], c[f"{m}_after_{months}m"]
        )
        for m in MEASURES
    }
    return Evaluation(
        months,
        empty.cared_for,
        empty.evaluated,
        publish_count(len(pairs)),
        publish_count(len(matching.unmatched)),
        differences,
        balance,
        True,
    )


def difference_chart(evaluation: Evaluation, as_of: dt.date) -> Chart:
    rows = [
        {
            "measure": MEASURES[m],
            "treated_before": d.treated_before,
            "treated_after": d.treated_after,
            "comparison_before": d.comparison_before,
            "comparison_after": d.comparison_after,
            "estimate": d.estimate,
            "lower": d.lower,
            "upper": d.upper,
        }
        for m, d in evaluation.differences.items()
    ]
    order = [r["measure"] for r in rows]
    base = alt.Chart().encode(y=alt.Y("measure:N", title=None, sort=order))
    bars = base.mark_rule(color="#005eb8", strokeWidth=3).encode(
        x=alt.X("lower:Q", title="Change per person among residents cared for, beyond the comparators'"), x2="upper:Q"
    )
    points = base.mark_point(color="#005eb8", filled=True, size=80).encode(
        x="estimate:Q",
        tooltip=[
            alt.Tooltip("measure:N", title="Measure"),
            alt.Tooltip("estimate:Q", title="Difference", format=".2f"),
            alt.Tooltip("lower:Q", title="Lower 95%", format=".2f"),
            alt.Tooltip("upper:Q", title="Upper 95%", format=".2f"),
        ],
    )
    zero = alt.Chart(alt.Data(values=[{"x": 0}])).mark_rule(color="#768692", strokeDash=[4, 4]).encode(x="x:Q")
    spec = alt.layer(zero, bars, points).properties(height=alt.Step(40))
    months = evaluation.months
    return chart(
        f"impact-{months}m",
        f"Difference-in-differences over {months} months",
        spec,
        rows,
        columns=[
            Column("measure", "Measure", "text"),
            Column("treated_before", "Cared for: before (per person)", "number"),
            Column("treated_after", "Cared for: after (per person)", "number"),
            Column("comparison_before", "Comparators: before (per person)", "number"),
            Column("comparison_after", "Comparators: after (per person)", "number"),
            Column("estimate", "Difference in differences", "number"),
            Column("lower", "Lower 95%", "number"),
            Column("upper", "Upper 95%", "number"),
        ],
        definition=Definition(
            f"Per matched pair: the change (the {months} months after the index date less the {months} months "
            "before) of the resident cared for, less that of their matched comparator",
            "Matched pairs (mean over pairs)",
            SOURCE,
            as_of,
            "Index date: the first case opened on a caseload or the first MDT discussion. Matching: 1:1 "
            "nearest neighbour on the logit of the propensity score within 0.2 standard deviations "
            "(Austin 2011). Interval: t on the pair "
            "differences. Below zero: fewer than the comparators.",
        ),
        summary="; ".join(
            f"{r['measure']}: {r['estimate']:+.2f} per person (95% CI {r['lower']:+.2f} to {r['upper']:+.2f})"
            for r in rows
        ),
    )


def balance_chart(evaluation: Evaluation, as_of: dt.date) -> Chart:
    order = [r["covariate"] for r in evaluation.balance]
    spec = (
        alt.Chart()
        .transform_fold(["before_matching", "after_matching"], as_=["stage_key", "smd"])
        .transform_calculate(
            stage="datum.stage_key === 'before_matching' ? 'Before matching' : 'After matching'",
        )
        .mark_point(filled=True, size=70)
        .encode(
            y=alt.Y("covariate:N", title=None, sort=order),
            x=alt.X("smd:Q", title="Standardised mean difference"),
            color=alt.Color(
                "stage:N",
                title=None,
                scale=alt.Scale(domain=["Before matching", "After matching"], range=["#aeb7bd", "#005eb8"]),
                legend=alt.Legend(orient="bottom"),
            ),
        )
        .properties(height=alt.Step(28))
    )
    return chart(
        f"impact-balance-{evaluation.months}m",
        "Balance of the matched groups",
        spec,
        evaluation.balance,
        columns=[
            Column("covariate", "Characteristic", "text"),
            Column("before_matching", "Before matching", "number"),
            Column("after_matching", "After matching", "number"),
            Column("balanced", f"Balanced (under {NEGLIGIBLE_SMD})", "text"),
        ],
        definition=Definition(
            "Difference in the characteristic's mean between the residents cared for and the comparators",
            "The pooled standard deviation of both groups",
            SOURCE,
            as_of,
            f"Under {NEGLIGIBLE_SMD} in absolute value is a negligible imbalance (Austin 2009).",
        ),
    )
