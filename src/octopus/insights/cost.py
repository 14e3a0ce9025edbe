"""Cost concentration (issue #17): how the cost of care is spread over residents, from the data.

WELC's service description says about 22% of residents account for 80% of cost; this page shows
what the snapshot says instead. The Lorenz curve is drawn residents-with-the-highest-cost first:
the point (x, y) says the costliest x of residents account for y of all cost.

Disclosure: a point of the curve is a sum over residents, so each step covers at least
``MIN_PER_STEP`` residents (more than the suppression threshold of 7, and 1% of residents in
areas over 800) and the curve is not drawn for an area of fewer than ``MIN_RESIDENTS``. Two curves
are drawn: the total cost of care (``prior_cost``) and hospital cost (``hospital_cost``: admitted
patient care, A&E and outpatients, ``population.features.HOSPITAL_COST_COLUMNS``). A snapshot
published before hospital cost was added has only the first; the page says so.
"""

from __future__ import annotations

import datetime as dt

import altair as alt
import numpy as np
import pandas as pd

from octopus.core.charts import Chart, Column, Definition, chart
from octopus.core.disclosure import OPENSAFELY, protect_counts, round_count

from .overview import SOURCE

MIN_PER_STEP = OPENSAFELY.suppress_up_to + 1
MIN_RESIDENTS = 100
THRESHOLDS = (0.5, 0.8)


def lorenz(costs: pd.Series) -> tuple[list[dict], dict[float, float]] | None:
    """Points of the curve (share of residents, share of cost), costliest first, and for each
    threshold the smallest share of residents whose cost reaches that share of the total."""
    return _lorenz(np.sort(costs.fillna(0.0).to_numpy(dtype="float64"))[::-1])


def lorenz_of(distribution: pd.DataFrame) -> tuple[list[dict], dict[float, float]] | None:
    """The same from a cost distribution (``cost`` and the ``residents`` with exactly that cost,
    ``chart_tables`` ``costs``): each cost repeated for its residents is the very array sorting
    every resident's cost gives, so the curve is the same to the last digit."""
    costs = distribution["cost"].to_numpy(dtype="float64")
    residents = distribution["residents"].to_numpy(dtype="int64")
    # The chart tables are kept costliest first (chart_data), so an area's rows need no sort.
    if len(costs) > 1 and not (np.diff(costs) <= 0).all():
        order = np.argsort(-costs, kind="stable")
        costs, residents = costs[order], residents[order]
    return _lorenz(np.repeat(costs, np.maximum(residents, 0)))


def _lorenz(values: np.ndarray) -> tuple[list[dict], dict[float, float]] | None:
    n, total = len(values), float(values.sum())
    if n < MIN_RESIDENTS or total <= 0:
        return None
    cumulative = np.concatenate([[0.0], np.cumsum(values)]) / total
    step = max(1, int(np.ceil(max(n / 100, MIN_PER_STEP))))
    positions = sorted(set(range(0, n + 1, step)) | {n})
    points = [{"residents_share": k / n, "cost_share": float(cumulative[k])} for k in positions]
    # The first number of residents whose cumulative cost reaches the threshold: a count of
    # people, so published rounded to 5 like every other count.
    reached = {t: round_count(int(np.searchsorted(cumulative, t - 1e-12))) / n for t in THRESHOLDS}
    return points, reached


KINDS = {
    "prior_cost": (
        "lorenz-total",
        "total cost of care",
        "Cost is the tariff and unit cost of hospital, A&E, outpatient, "
        "ambulance, mental health, community and social care activity.",
    ),
    "hospital_cost": (
        "lorenz-hospital",
        "hospital cost",
        "Hospital cost is the tariff cost of admitted patient care, "
        "A&E attendances and outpatient appointments (NHS Payment Scheme).",
    ),
}


def lorenz_chart(
    distribution: pd.DataFrame | None, as_of: dt.date, column: str = "prior_cost"
) -> tuple[Chart | None, dict[float, float] | None]:
    """The curve of ``column`` from its cost distribution (None: the snapshot has no such column)."""
    if distribution is None:
        return None, None
    key, what, meaning = KINDS[column]
    result = lorenz_of(distribution)
    if result is None:
        return None, None
    points, reached = result
    equality = [{"residents_share": 0.0, "cost_share": 0.0}, {"residents_share": 1.0, "cost_share": 1.0}]
    curve = (
        alt.Chart()
        .mark_line(color="#005eb8", strokeWidth=3)
        .encode(
            x=alt.X("residents_share:Q", title="Share of residents, highest cost first", axis=alt.Axis(format="%")),
            y=alt.Y("cost_share:Q", title=f"Share of {what}", axis=alt.Axis(format="%")),
        )
    )
    line_of_equality = (
        alt.Chart(alt.Data(values=equality))
        .mark_line(color="#768692", strokeDash=[4, 4])
        .encode(x="residents_share:Q", y="cost_share:Q")
    )
    marks = [{"residents_share": share, "cost_share": t} for t, share in reached.items()]
    thresholds = (
        alt.Chart(alt.Data(values=marks))
        .mark_point(color="#d5281b", filled=True, size=60)
        .encode(x="residents_share:Q", y="cost_share:Q")
    )
    spec = alt.layer(line_of_equality, curve, thresholds).properties(height=320)
    figure = chart(
        key,
        f"Lorenz curve of {what}",
        spec,
        points,
        columns=[
            Column("residents_share", "Share of residents (highest cost first)", "share"),
            Column("cost_share", f"Share of {what}", "share"),
        ],
        definition=Definition(
            f"Cumulative {what} in the 12 months before the as-of date of the costliest residents",
            f"The {what} of all residents in the area",
            SOURCE,
            as_of,
            f"{meaning} Each step covers at least {MIN_PER_STEP} residents. The dashed line is an equal spread.",
        ),
        summary=" ".join(
            f"The costliest {share:.0%} of residents account for {t:.0%} of the {what}." for t, share in reached.items()
        ),
    )
    return figure, reached


def cost_by(table: pd.DataFrame, column: str, labels: dict, key: str, title: str, as_of: dt.date) -> Chart:
    """Residents, share of cost and cost per resident for each group (segment or band), from a
    chart table with ``residents`` and ``prior_cost`` per ``column``."""
    grouped = (
        table.groupby(column)[["residents", "prior_cost"]].sum().rename(columns={"prior_cost": "cost"}).sort_index()
    )
    grouped = grouped[grouped["residents"] > 0]
    people = protect_counts({g: int(grouped.loc[g, "residents"]) for g in grouped.index})
    total = float(grouped["cost"].sum())
    rows = []
    for group in grouped.index:
        residents = people["values"][group]
        shown = residents is not None
        rows.append(
            {
                "group": labels.get(group, str(group)),
                "residents": residents,
                "cost_share": float(grouped.loc[group, "cost"]) / total if shown and total else None,
                # Per resident over the true count: a mean, not a count; withheld with the count.
                "cost_per_resident": float(grouped.loc[group, "cost"]) / int(grouped.loc[group, "residents"])
                if shown
                else None,
            }
        )
    order = [r["group"] for r in rows]
    spec = (
        alt.Chart()
        .mark_bar(color="#005eb8")
        .encode(
            y=alt.Y("group:N", title=None, sort=order),
            x=alt.X("cost_per_resident:Q", title="Cost per resident (£)", axis=alt.Axis(format=",.0f")),
        )
        .properties(height=alt.Step(26))
    )
    return chart(
        key,
        title,
        spec,
        rows,
        columns=[
            Column("group", "Group", "text"),
            Column("residents", "Residents"),
            Column("cost_share", "Share of cost", "share"),
            Column("cost_per_resident", "Cost per resident", "money"),
        ],
        definition=Definition(
            "Cost of care in the 12 months before the as-of date of the group's residents",
            "The group's residents (per resident); all cost in the area (share)",
            SOURCE,
            as_of,
            "Withheld where the group's resident count is suppressed.",
        ),
    )
