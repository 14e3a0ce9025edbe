"""The Overview page's charts (issue #17): the age-sex pyramid, segments, the risk pyramid and
trends across snapshots, each from protected counts (``core.disclosure``).

Rates and shares are computed from the *published* (suppressed, rounded) counts, never from the
true ones, so a share printed beside a rounded count cannot give the true count back; a share is
withheld wherever its count is suppressed. Cost is not a count of people: a group's share of cost
is withheld when the group's resident count is suppressed.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import altair as alt
import pandas as pd

from octopus.core.charts import Chart, Column, Definition, chart
from octopus.core.disclosure import protect_counts, protect_table

from . import areas, chart_data

SOURCE = "Population snapshot (residents.parquet) built by the Octopus pipeline from the partner feeds"
AGE_BANDS = [f"{start}-{start + 4}" for start in range(0, 90, 5)] + ["90+"]


def _per(numerator: int | None, denominator: int | None, per: float = 1.0) -> float | None:
    if numerator is None or not denominator:
        return None
    return numerator / denominator * per


def age_sex_pyramid(age_sex: pd.DataFrame, as_of: dt.date) -> Chart:
    """Residents by five-year age band and sex (``chart_tables`` ``age_sex``: band 0 = 0-4 ...
    18 = 90+); one protected two-way table (no margins shown)."""
    known = age_sex[age_sex["sex"].isin(["female", "male"]) & age_sex["age_band"].notna()]
    counts = known.assign(age_band=known["age_band"].astype("int64")).groupby(["age_band", "sex"])["residents"].sum()
    counts = counts.unstack(fill_value=0)
    counts = counts.reindex(index=range(len(AGE_BANDS)), columns=["female", "male"], fill_value=0)
    table = protect_table(counts.to_numpy().tolist(), row_totals=False, column_totals=False)
    rows = []
    for i, band in enumerate(AGE_BANDS):
        female, male = table.cells[i]
        rows.append({"age_band": band, "female": female, "male": male})
    long = [
        {
            "age_band": r["age_band"],
            "sex": sex.capitalize(),
            "residents": r[sex],
            "signed": None if r[sex] is None else (-r[sex] if sex == "male" else r[sex]),
        }
        for r in rows
        for sex in ("male", "female")
    ]
    spec = (
        alt.Chart(alt.Data(values=long))
        .mark_bar()
        .encode(
            x=alt.X("signed:Q", title="Residents", axis=alt.Axis(labelExpr="abs(datum.value)", format="~s")),
            y=alt.Y("age_band:O", title="Age band", sort=list(reversed(AGE_BANDS))),
            color=alt.Color(
                "sex:N",
                title="Sex",
                scale=alt.Scale(domain=["Male", "Female"], range=["#005eb8", "#ae2573"]),
                legend=alt.Legend(orient="bottom"),
            ),
        )
        .properties(height=360)
    )
    figure = chart(
        "age-sex",
        "Age–sex pyramid",
        spec,
        long,
        columns=[
            Column("age_band", "Age band", "text"),
            Column("sex", "Sex", "text"),
            Column("residents", "Residents"),
        ],
        definition=Definition(
            "Residents in each five-year age band and sex (age on the as-of date)",
            "Residents in the area with a recorded sex of female or male",
            SOURCE,
            as_of,
            "Males are drawn to the left. Counts of 1-7 are suppressed and the rest rounded to 5.",
        ),
        summary="Residents by age and sex: males to the left, females to the right.",
    )
    # The CSV and the table list each band and sex once; the chart reads the signed copy.
    return figure


def segments(by_segment: pd.DataFrame, as_of: dt.date) -> Chart:
    """Each segment's residents, share of residents and of cost, emergency admissions per 1,000
    (``chart_tables`` ``segments``, "not assigned" already named)."""
    grouped = (
        by_segment.groupby("segment")[["residents", "emergency_admissions", "prior_cost"]]
        .sum()
        .rename(columns={"emergency_admissions": "admissions", "prior_cost": "cost"})
        .sort_index()
    )
    grouped = grouped[grouped["residents"] > 0]
    people = protect_counts({s: int(grouped.loc[s, "residents"]) for s in grouped.index})
    admissions = protect_counts({s: int(grouped.loc[s, "admissions"]) for s in grouped.index}, total=False)
    total_cost = float(grouped["cost"].sum())
    rows = []
    for segment in grouped.index:
        residents = people["values"][segment]
        rows.append(
            {
                "segment": str(segment).replace("_", " ").capitalize(),
                "residents": residents,
                "residents_share": _per(residents, people["total"]),
                "cost_share": float(grouped.loc[segment, "cost"]) / total_cost
                if residents is not None and total_cost
                else None,
                "admissions_per_1000": _per(admissions["values"][segment], residents, 1000),
            }
        )
    spec = (
        alt.Chart()
        .transform_fold(["residents_share", "cost_share"], as_=["measure", "share"])
        .transform_calculate(
            measure_label="datum.measure == 'cost_share' ? 'Share of cost' : 'Share of residents'",
        )
        .mark_bar()
        .encode(
            y=alt.Y("segment:N", title=None, sort="-x"),
            yOffset=alt.YOffset("measure_label:N"),
            x=alt.X("share:Q", title="Share", axis=alt.Axis(format="%")),
            color=alt.Color(
                "measure_label:N",
                title=None,
                scale=alt.Scale(range=["#005eb8", "#ffb81c"]),
                legend=alt.Legend(orient="bottom"),
            ),
        )
        .properties(height=alt.Step(14))
    )
    return chart(
        "segments",
        "Segments: share of residents and of cost",
        spec,
        rows,
        columns=[
            Column("segment", "Segment", "text"),
            Column("residents", "Residents"),
            Column("residents_share", "Share of residents", "share"),
            Column("cost_share", "Share of cost", "share"),
            Column("admissions_per_1000", "Emergency admissions per 1,000", "rate"),
        ],
        definition=Definition(
            "Residents in the segment; their cost of care; their emergency admissions, in the 12 months before the "
            "as-of date",
            "All residents in the area; all their cost; per 1,000 residents of the segment",
            SOURCE,
            as_of,
            "Segments from config/segments.yaml (first rule met). Shares and rates use the published (rounded) counts.",
        ),
    )


def risk_pyramid(bands_table: pd.DataFrame, band_names: dict[int, str], as_of: dt.date) -> list[Chart]:
    """The risk bands drawn as a pyramid, and each band's share of admissions and of cost
    (``chart_tables`` ``bands``)."""
    bands = sorted(band_names)
    grouped = (
        bands_table.groupby("risk_band")[["residents", "emergency_admissions", "prior_cost"]]
        .sum()
        .rename(columns={"emergency_admissions": "admissions", "prior_cost": "cost"})
        .reindex(bands, fill_value=0)
    )
    people = protect_counts({b: int(grouped.loc[b, "residents"]) for b in bands})
    admissions = protect_counts({b: int(grouped.loc[b, "admissions"]) for b in bands})
    total_cost = float(grouped["cost"].sum())
    rows = []
    for b in bands:
        residents = people["values"][b]
        rows.append(
            {
                "band": f"{b}. {band_names[b]}",
                "order": b,
                "residents": residents,
                "residents_share": _per(residents, people["total"]),
                "admissions": admissions["values"][b],
                "admissions_share": _per(admissions["values"][b], admissions["total"]),
                "cost_share": float(grouped.loc[b, "cost"]) / total_cost
                if residents is not None and total_cost
                else None,
            }
        )
    band_order = [r["band"] for r in rows]
    pyramid = (
        alt.Chart()
        .transform_calculate(left="-datum.residents / 2", right="datum.residents / 2")
        .mark_bar(color="#005eb8")
        .encode(
            y=alt.Y("band:N", title=None, sort=band_order),
            x=alt.X("left:Q", title="Residents", axis=alt.Axis(labelExpr="abs(datum.value) * 2", format="~s")),
            x2="right:Q",
        )
    )
    definition = Definition(
        "Residents in each risk band; their emergency admissions and cost in the 12 months before the as-of date",
        "All residents in the area; all their emergency admissions; all their cost",
        SOURCE,
        as_of,
        "Bands cut the population by predicted 12-month risk of emergency admission at the top 0.5%, 2%, 5%, "
        "20% and 50% (config/bands.yaml). Shares use the published (rounded) counts.",
    )
    columns = [
        Column("band", "Band", "text"),
        Column("residents", "Residents"),
        Column("residents_share", "Share of residents", "share"),
        Column("admissions", "Emergency admissions"),
        Column("admissions_share", "Share of emergency admissions", "share"),
        Column("cost_share", "Share of cost", "share"),
    ]
    shares = (
        alt.Chart()
        .transform_fold(["residents_share", "admissions_share", "cost_share"], as_=["measure", "share"])
        .transform_calculate(
            measure_label=(
                "datum.measure == 'cost_share' ? 'Cost' "
                ": datum.measure == 'admissions_share' ? 'Emergency admissions' : 'Residents'"
            ),
        )
        .mark_bar()
        .encode(
            y=alt.Y("band:N", title=None, sort=band_order),
            yOffset=alt.YOffset("measure_label:N"),
            x=alt.X("share:Q", title="Share of the area's total", axis=alt.Axis(format="%")),
            color=alt.Color(
                "measure_label:N",
                title=None,
                scale=alt.Scale(range=["#ffb81c", "#ae2573", "#005eb8"]),
                legend=alt.Legend(orient="bottom"),
            ),
        )
        .properties(height=alt.Step(12))
    )
    return [
        chart(
            "risk-pyramid",
            "Risk pyramid",
            pyramid.properties(height=34 * len(rows)),
            rows,
            columns=columns,
            definition=definition,
            summary="Residents in each risk band, the highest risk at the top.",
        ),
        chart(
            "risk-shares",
            "Each band's share of residents, emergency admissions and cost",
            shares,
            rows,
            columns=columns,
            definition=definition,
        ),
    ]


def trends(
    snapshot_dirs: list[tuple[dt.date, Path]], excluded: set[str], area: areas.Area, band_names: dict[int, str]
) -> list[Chart]:
    """Residents per band, emergency admissions per 1,000 and rising risk in each snapshot kept."""
    band_rows, activity_rows = [], []
    for as_of, folder in sorted(snapshot_dirs):
        bands = chart_data.tables(folder, excluded).within(area).bands
        counts = bands.groupby("risk_band")["residents"].sum().reindex(sorted(band_names), fill_value=0)
        people = protect_counts({b: int(counts[b]) for b in band_names})
        admissions = protect_counts([int(bands["emergency_admissions"].sum())], total=False)["values"][0]
        rising = protect_counts([int(bands["rising_risk"].sum())], total=False)["values"][0]
        for b in sorted(band_names):
            band_rows.append(
                {"as_of": as_of.isoformat(), "band": f"{b}. {band_names[b]}", "residents": people["values"][b]}
            )
        activity_rows.append(
            {
                "as_of": as_of.isoformat(),
                "residents": people["total"],
                "admissions": admissions,
                "admissions_per_1000": _per(admissions, people["total"], 1000),
                "rising_risk": rising,
            }
        )
    latest = max((d for d, _ in snapshot_dirs), default=None)
    by_band = (
        alt.Chart()
        .mark_line(point=True)
        .encode(
            x=alt.X("as_of:T", title="Snapshot as of"),
            y=alt.Y("residents:Q", title="Residents", scale=alt.Scale(type="symlog")),
            color=alt.Color("band:N", title="Risk band", legend=alt.Legend(orient="bottom", columns=2)),
        )
        .properties(height=280)
    )
    activity = (
        alt.Chart()
        .mark_line(point=True, color="#005eb8")
        .encode(
            x=alt.X("as_of:T", title="Snapshot as of"),
            y=alt.Y("admissions_per_1000:Q", title="Emergency admissions per 1,000"),
        )
        .properties(height=240)
    )
    return [
        chart(
            "trend-bands",
            "Residents per risk band, snapshot by snapshot",
            by_band,
            band_rows,
            columns=[
                Column("as_of", "Snapshot as of", "text"),
                Column("band", "Band", "text"),
                Column("residents", "Residents"),
            ],
            definition=Definition(
                "Residents in each risk band in each snapshot",
                "Residents in the area in that snapshot",
                "Every population snapshot kept in the data folder",
                latest,
                "Bands are relative (centiles of that snapshot's population), so a band's size moves only with "
                "the population; what moves within bands is who is in them. Vertical scale is symmetric-log.",
            ),
        ),
        chart(
            "trend-activity",
            "Emergency admissions per 1,000 and rising risk, snapshot by snapshot",
            activity,
            activity_rows,
            columns=[
                Column("as_of", "Snapshot as of", "text"),
                Column("residents", "Residents"),
                Column("admissions", "Emergency admissions"),
                Column("admissions_per_1000", "Emergency admissions per 1,000", "rate"),
                Column("rising_risk", "Rising-risk residents"),
            ],
            definition=Definition(
                "Emergency admissions in the 12 months before each snapshot's as-of date; "
                "residents flagged rising risk",
                "Residents in the area in that snapshot (per 1,000)",
                "Every population snapshot kept in the data folder",
                latest,
                "Rates use the published (rounded) counts.",
            ),
        ),
    ]
