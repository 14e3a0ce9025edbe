"""Capitation (issue #17): a need-weighted allocation of a budget across PCNs or neighbourhoods.

The allocation follows the shape of NHS England's weighted capitation formula ("Technical Guide
to the formulae for 2023/24 to 2024/25 revenue allocations", NHS England 2023): each
area's share of the budget is its residents *weighted by need*, over everyone's weighted total.
Here the need of a resident is the relative cost of care of their risk band, taken from the
snapshot: a band's default weight is its cost per resident over the cost per resident of the
whole population, so a weight of 3 means "residents of this band cost three times the average".
The analyst can change each weight on the page; the weights used are shown beside the result,
and setting every weight to 1 gives a plain per-head allocation.

Who counts where: capitation follows the registered list, as GP and PCN funding does. A resident
counts for the PCN of their registered practice, or for the neighbourhood that lists that
practice (``directory.Neighbourhood.practices``). A practice listed by more than one
neighbourhood is counted once, for the first by name, so the allocations add up to the budget;
the page names such practices. Residents not registered, or with a practice outside every unit,
are counted in "Not in any" so nothing is silently dropped.

Disclosure: the allocation is worked out from each unit's per-band counts rounded to the nearest
5 (not the true counts), so no choice of budget and weights gives a true count back; the
residents column is the usual protected count (``core.disclosure``).
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass

import altair as alt
import pandas as pd

from octopus.core.charts import Chart, Column, Definition, chart
from octopus.core.disclosure import protect_counts, round_count

from .overview import SOURCE

NOT_IN_ANY = "Not in any"
UNITS = (("pcn", "PCNs"), ("neighbourhood", "Neighbourhoods"))
DEFAULT_BUDGET = 1_000_000.0
MAX_WEIGHT = 1000.0


class BadChoice(ValueError):
    """A budget or weight the page cannot use: the message names the field."""

    def __init__(self, field: str, message: str):
        super().__init__(message)
        self.field = field


def default_weights(bands_table: pd.DataFrame, bands: list[int]) -> dict[int, float]:
    """Each band's cost per resident over the population's: the relative need the data shows
    (``chart_tables`` ``bands``: residents and their cost per place and band)."""
    residents = int(bands_table["residents"].sum())
    overall = float(bands_table["prior_cost"].sum()) / residents if residents else 0.0
    per_band = bands_table.groupby("risk_band")[["residents", "prior_cost"]].sum()
    per_band = per_band[per_band["residents"] > 0]
    mean = per_band["prior_cost"] / per_band["residents"]
    return {b: round(float(mean.get(b, 0.0)) / overall, 2) if overall > 0 and b in mean.index else 1.0 for b in bands}


def parse_budget(value: str | None) -> float:
    if value in (None, ""):
        return DEFAULT_BUDGET
    try:
        budget = float(str(value).replace(",", "").replace("£", "").strip())
    except ValueError:
        raise BadChoice("budget", f"Budget: enter an amount in pounds, like 1,000,000 (got {value!r}).") from None
    if not math.isfinite(budget) or budget <= 0:
        raise BadChoice("budget", "Budget: enter an amount of more than £0.")
    return budget


def parse_weights(query, defaults: dict[int, float], names: dict[int, str]) -> dict[int, float]:
    """``w1`` … ``wN`` from the query, each a number from 0 to 1,000; the data's weight where empty."""
    weights = {}
    for band, default in defaults.items():
        raw = query.get(f"w{band}")
        if raw in (None, ""):
            weights[band] = default
            continue
        try:
            weight = float(raw)
        except ValueError:
            raise BadChoice(
                f"w{band}",
                f"Weight for band {band} ({names.get(band, band)}): enter a number such as 1.5 (got {raw!r}).",
            ) from None
        if not math.isfinite(weight) or not 0 <= weight <= MAX_WEIGHT:
            raise BadChoice(
                f"w{band}",
                f"Weight for band {band} ({names.get(band, band)}): enter a number from 0 to {MAX_WEIGHT:,.0f}.",
            )
        weights[band] = weight
    if not any(weights.values()):
        raise BadChoice("w1", "Weights: at least one band needs a weight above 0.")
    return weights


@dataclass(frozen=True)
class Units:
    """Which unit each practice counts for, and practices listed by more than one unit."""

    kind: str
    of_practice: dict[str, str]
    shared: dict[str, list[str]]


def units(kind: str, memberships: list[tuple[str, str]]) -> Units:
    """``memberships``: (unit name, practice code) pairs; the first unit by name keeps a shared practice."""
    of_practice: dict[str, str] = {}
    listed: dict[str, list[str]] = {}
    for name, code in sorted(memberships):
        listed.setdefault(code, []).append(name)
        of_practice.setdefault(code, name)
    return Units(kind, of_practice, {code: names for code, names in listed.items() if len(names) > 1})


def allocate(bands_table: pd.DataFrame, unit_map: Units, weights: dict[int, float], budget: float) -> list[dict]:
    """One row per unit: protected residents, weighted share, allocation, per resident, per-head allocation."""
    # Grouped by practice first (a few hundred rows), then practices mapped to units.
    by_practice = (
        bands_table.groupby(["practice_ods_code", "registered", "risk_band"], observed=True, dropna=False, sort=False)[
            "residents"
        ]
        .sum()
        .reset_index(name="n")
    )
    registered = by_practice["registered"].fillna(False).astype(bool)
    unit = by_practice["practice_ods_code"].astype("object").map(unit_map.of_practice)
    by_practice["unit"] = unit.where(registered).fillna(NOT_IN_ANY)
    counts = by_practice.groupby(["unit", "risk_band"])["n"].sum()
    counts = counts[counts > 0]
    rounded = {key: round_count(int(n)) for key, n in counts.items()}
    names = sorted({u for u, _ in rounded}, key=lambda u: (u == NOT_IN_ANY, u))
    weighted = {u: sum(n * weights.get(b, 0.0) for (v, b), n in rounded.items() if v == u) for u in names}
    heads = {u: sum(n for (v, _), n in rounded.items() if v == u) for u in names}
    total_weighted, total_heads = sum(weighted.values()), sum(heads.values())
    residents = protect_counts({u: int(counts[u].sum()) for u in names}, total=False)["values"]
    rows = []
    for u in names:
        share = weighted[u] / total_weighted if total_weighted else 0.0
        allocation = budget * share
        rows.append(
            {
                "unit": u,
                "residents": residents[u],
                "need_share": share,
                "allocation": allocation,
                "per_resident": allocation / heads[u] if heads[u] else None,
                "per_head_allocation": budget * heads[u] / total_heads if total_heads else 0.0,
            }
        )
    return rows


def allocation_chart(
    rows: list[dict], weights: dict[int, float], names: dict[int, str], budget: float, unit_label: str, as_of: dt.date
) -> Chart:
    order = [r["unit"] for r in rows]
    basis = {"allocation": "Weighted by need", "per_head_allocation": "Per head"}
    # Folded in the browser, so the chart, its table and its CSV are the same one-row-per-unit rows.
    spec = (
        alt.Chart()
        .transform_fold(list(basis), as_=["basis_key", "amount"])
        .transform_calculate(
            basis=f"datum.basis_key === 'allocation' ? '{basis['allocation']}' : '{basis['per_head_allocation']}'",
        )
        .mark_bar()
        .encode(
            y=alt.Y("unit:N", title=None, sort=order),
            yOffset=alt.YOffset("basis:N", sort=list(basis.values())),
            x=alt.X("amount:Q", title="Allocation (£)", axis=alt.Axis(format=",.0f")),
            color=alt.Color(
                "basis:N",
                title=None,
                scale=alt.Scale(domain=list(basis.values()), range=["#005eb8", "#aeb7bd"]),
                legend=alt.Legend(orient="bottom"),
            ),
            tooltip=[
                alt.Tooltip("unit:N", title=unit_label[:-1]),
                alt.Tooltip("basis:N", title="Basis"),
                alt.Tooltip("amount:Q", title="Allocation (£)", format=",.0f"),
            ],
        )
        .properties(height=alt.Step(14))
    )
    weights_text = "; ".join(f"{b}. {names.get(b, b)} × {w:g}" for b, w in sorted(weights.items()))
    return chart(
        "capitation",
        f"Need-weighted allocation of £{budget:,.0f} across {unit_label.lower()}",
        spec,
        rows,
        columns=[
            Column("unit", unit_label[:-1], "text"),
            Column("residents", "Registered residents"),
            Column("need_share", "Share of need-weighted residents", "share"),
            Column("allocation", "Allocation weighted by need", "money"),
            Column("per_resident", "Weighted allocation per resident", "money"),
            Column("per_head_allocation", "Allocation per head", "money"),
        ],
        definition=Definition(
            "The unit's registered residents in each risk band, rounded to 5, times the band's weight",
            "The same weighted sum over every unit",
            SOURCE,
            as_of,
            f"Weights used: {weights_text}. Per head: every resident weighted 1. Method: NHS England "
            "weighted capitation (technical guide to the 2023/24 to 2024/25 revenue allocations).",
        ),
        summary=(
            f"The budget of £{budget:,.0f} shared across {len(rows)} {unit_label.lower()} in proportion to "
            "need-weighted residents."
        ),
    )
