"""Practice variation drawn as funnel plots (issue #17), with the existing funnel limits
(``population.measures.variation``: Spiegelhalter 2005 exact binomial limits, 95% and 99.8%).

The peer group is the neighbourhood's practices by default (the practices its INT reviews
together); the target is the peer group's overall proportion. Each practice's point is
computed from its published (suppressed, rounded) numerator and denominator, so the plot shows
nothing the table does not; a practice whose numerator is suppressed is listed without a point.
Whether a practice is outside the limits is judged on the true counts (the limits are a test).

Over-dispersion: when far more practices fall outside the limits than chance allows (about 5%
outside 95%, 0.2% outside 99.8%), the spread reflects real differences in case mix or recording
rather than chance, and the limits are too narrow to pick out outliers; Spiegelhalter (2005,
section 5) suggests an over-dispersion factor. The page notes it rather than inflating limits.
"""

from __future__ import annotations

import datetime as dt

import altair as alt
import numpy as np
import pandas as pd

from octopus.core.charts import Chart, Column, Definition, chart
from octopus.core.disclosure import publish_count
from octopus.population.measures.variation import ALARM_Z, WARNING_Z, binomial_limit, funnel

from .overview import SOURCE

TOP_BANDS = (1, 2, 3)  # the WELC target population's bands (config/cohorts.yaml)
# Over-dispersion note: more than this share of practices outside the 99.8% limits, where
# chance alone puts 0.2% there (Spiegelhalter 2005, section 5).
OVERDISPERSED_SHARE = 0.2


INDICATORS = {
    "top-bands": (
        "Residents in the top three risk bands",
        "registered residents in risk bands 1-3 (top 5% of risk)",
        lambda bands: bands["residents"].where(bands["risk_band"].isin(TOP_BANDS), 0),
    ),
    "emergency-admission": (
        "Residents with an emergency admission",
        "registered residents with at least one emergency admission in the 12 months before the as-of date",
        lambda bands: bands["admitted"],
    ),
    "rising-risk": (
        "Residents flagged rising risk",
        "registered residents flagged rising risk in this snapshot",
        lambda bands: bands["rising_risk"],
    ),
}


def practice_funnel(
    bands: pd.DataFrame,
    indicator: str,
    practices: set[str] | None,
    names: dict[str, str],
    as_of: dt.date,
    peer_label: str,
) -> tuple[Chart | None, list[dict], bool]:
    """The funnel plot, the practices outside the limits, and whether over-dispersion is noted,
    from ``chart_tables`` ``bands`` (residents per place and band)."""
    title, numerator_text, counted = INDICATORS[indicator]
    registered = bands[bands["registered"] & bands["practice_ods_code"].notna()]
    if practices is not None:
        registered = registered[registered["practice_ods_code"].isin(practices)]
    grouped = (
        registered.assign(numerator=counted(registered), denominator=registered["residents"])
        .groupby("practice_ods_code")[["numerator", "denominator"]]
        .sum()
    )
    grouped = grouped[grouped["denominator"] > 0]
    if len(grouped) < 2:
        return None, [], False
    points = funnel(grouped.index, grouped["numerator"], grouped["denominator"])
    target = float(grouped["numerator"].sum() / grouped["denominator"].sum())
    rows = []
    for point in points:
        numerator, denominator = publish_count(point.numerator), publish_count(point.denominator)
        rows.append(
            {
                "practice": names.get(point.unit, point.unit),
                "code": point.unit,
                "numerator": numerator,
                "denominator": denominator,
                "proportion": numerator / denominator if numerator is not None and denominator else None,
                "position": point.position,
            }
        )
    rows.sort(key=lambda r: r["practice"])
    denominators = np.unique(
        np.linspace(max(1, grouped["denominator"].min() * 0.8), grouped["denominator"].max() * 1.1, 60).round()
    )
    limits = []
    for name, sign, z in (
        ("95% limits", 1, WARNING_Z),
        ("95% limits", -1, WARNING_Z),
        ("99.8% limits", 1, ALARM_Z),
        ("99.8% limits", -1, ALARM_Z),
    ):
        side = "upper" if sign > 0 else "lower"
        for n, value in zip(denominators, binomial_limit(target, denominators, sign * z), strict=True):
            limits.append({"denominator": float(n), "limit": float(value), "line": name, "side": f"{name} {side}"})
    lines = (
        alt.Chart(alt.Data(values=limits))
        .mark_line(strokeDash=[4, 3])
        .encode(
            x="denominator:Q",
            y="limit:Q",
            detail="side:N",
            color=alt.Color(
                "line:N",
                title=None,
                scale=alt.Scale(domain=["95% limits", "99.8% limits"], range=["#ffb81c", "#d5281b"]),
                legend=alt.Legend(orient="bottom"),
            ),
        )
    )
    target_line = alt.Chart(alt.Data(values=[{"target": target}])).mark_rule(color="#425563").encode(y="target:Q")
    dots = (
        alt.Chart()
        .mark_circle(size=70, color="#005eb8", opacity=0.9)
        .encode(
            x=alt.X("denominator:Q", title="Registered residents"),
            y=alt.Y("proportion:Q", title=title, axis=alt.Axis(format="%")),
        )
    )
    spec = alt.layer(lines, target_line, dots).properties(height=340)
    outside = [r for r in rows if r["position"] != "within limits"]
    beyond_alarm = sum(1 for r in rows if "99.8%" in r["position"])
    overdispersed = beyond_alarm / len(rows) > OVERDISPERSED_SHARE
    figure = chart(
        f"funnel-{indicator}",
        f"{title}: practices against funnel limits",
        spec,
        rows,
        columns=[
            Column("practice", "Practice", "text"),
            Column("code", "ODS code", "text"),
            Column("numerator", "Residents counted"),
            Column("denominator", "Registered residents"),
            Column("proportion", "Proportion", "share"),
            Column("position", "Position", "text"),
        ],
        definition=Definition(
            numerator_text.capitalize(),
            f"Registered residents of each practice ({peer_label})",
            SOURCE,
            as_of,
            f"Target: the peer group's overall proportion, {target:.1%}. Limits: exact binomial at 95% (z=1.96) and "
            "99.8% (z=3.09), Spiegelhalter, Statistics in Medicine 2005;24:1185-1202. Points use the published "
            "(rounded) counts; positions are judged on the true counts.",
        ),
        summary=f"{len(rows)} practices ({peer_label}); {len(outside)} outside the 95% limits.",
    )
    return figure, outside, overdispersed
