"""The Population section's figures, computed from the published snapshot's pre-aggregated chart
tables (``insights.chart_data``, decision 0055) and its cohort lists.

Every count leaves this module through ``core.disclosure`` (counts of 1-7 suppressed, the rest
rounded to 5, secondary suppression where a total would give a suppressed cell back), and every
rate or share shown beside a count is withheld when that count is, and otherwise computed from
the *published* (rounded) counts: a share to one decimal from the true counts, beside a count
rounded to 5, would give the true count back. Residents who objected to
secondary use of their data (``analytics_excluded_person_ids``) are removed before anything is
counted. Nothing here returns a name, NHS number or person id.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from octopus.core.disclosure import protect_counts, protect_table, publish_count
from octopus.stats import funnel

TOP_BANDS = (1, 2, 3)  # the WELC target population's bands (config/cohorts.yaml)


def _share(part, whole) -> float | None:
    return None if part is None or not whole else part / whole


def published_share(part: int | None, whole: int | None) -> float | None:
    """A share beside published counts, from those counts: None when either is withheld."""
    return None if part is None or whole is None else _share(part, whole)


@dataclass(frozen=True)
class BandRow:
    band: int
    name: str
    residents: int | None
    admissions: int | None
    admissions_share: float | None
    cost_share: float | None


def pyramid(bands_table: pd.DataFrame, band_names: dict[int, str]) -> tuple[list[BandRow], dict]:
    """Residents per band and the share of the prior 12 months' emergency admissions and cost."""
    bands = sorted(band_names)
    grouped = (
        bands_table.groupby("risk_band")[["residents", "emergency_admissions", "prior_cost"]]
        .sum()
        .rename(columns={"emergency_admissions": "admissions", "prior_cost": "cost"})
    )
    grouped = grouped.reindex(bands, fill_value=0)
    residents = protect_counts({b: int(grouped.loc[b, "residents"]) for b in bands})
    admissions = protect_counts({b: int(grouped.loc[b, "admissions"]) for b in bands})
    total_cost = float(grouped["cost"].sum())
    rows = []
    for b in bands:
        shown = residents["values"][b]
        rows.append(
            BandRow(
                b,
                band_names[b],
                shown,
                admissions["values"][b],
                published_share(admissions["values"][b], admissions["total"]),
                _share(float(grouped.loc[b, "cost"]), total_cost) if shown is not None else None,
            )
        )
    return rows, {"residents": residents["total"], "admissions": admissions["total"]}


def segments(frame: pd.DataFrame) -> dict:
    counts = frame["segment"].fillna("not assigned").value_counts().sort_index()
    return protect_counts({str(k).replace("_", " ").capitalize(): int(v) for k, v in counts.items()})


def rising_risk(bands_table: pd.DataFrame) -> int | None:
    return publish_count(int(bands_table["rising_risk"].sum()))


def cohorts(snapshot_dir: Path, excluded: set[str]) -> list[dict]:
    summary_path, members_path = snapshot_dir / "cohorts.json", snapshot_dir / "cohorts.parquet"
    summary = json.loads(summary_path.read_text()) if summary_path.is_file() else []
    sizes: dict[str, int] = {}
    if members_path.is_file():
        members = pd.read_parquet(members_path, columns=["cohort", "person_id"])
        members = members[~members["person_id"].isin(excluded)] if excluded else members
        sizes = members.groupby("cohort").size().to_dict()
    protected = protect_counts({c["name"]: int(sizes.get(c["name"], 0)) for c in summary}, total=False)
    return [{**c, "size": protected["values"][c["name"]]} for c in summary]


def deprivation(by_decile: pd.DataFrame) -> list[dict]:
    """Residents per IMD decile, split top three bands / the rest, protected as one table
    (``chart_tables`` ``deprivation``: residents and risk probabilities per decile and band)."""
    frame = by_decile[by_decile["imd_decile"].notna()]
    deciles = list(range(1, 11))
    top = frame["risk_band"].isin(TOP_BANDS)
    decile = frame["imd_decile"].astype("int64")
    top_counts = frame["residents"].where(top, 0).groupby(decile).sum().reindex(deciles, fill_value=0)
    rest = frame["residents"].where(~top, 0).groupby(decile).sum().reindex(deciles, fill_value=0)
    sums = (
        frame.groupby(decile)[["risk_probability_sum", "risk_probability_count"]].sum().reindex(deciles, fill_value=0)
    )
    mean_risk = sums["risk_probability_sum"] / sums["risk_probability_count"].where(sums["risk_probability_count"] > 0)
    table = protect_table([[int(top_counts[d]), int(rest[d])] for d in deciles], column_totals=True, row_totals=True)
    rows = []
    for i, d in enumerate(deciles):
        residents = table.row_totals[i]
        top_shown = table.cells[i][0]
        rows.append(
            {
                "decile": d,
                "residents": residents,
                "top_bands": top_shown,
                "top_share": published_share(top_shown, residents),
                "mean_risk": float(mean_risk[d]) if residents is not None and pd.notna(mean_risk[d]) else None,
            }
        )
    return rows


def practice_variation(bands_table: pd.DataFrame, names: dict[str, str]) -> list[dict]:
    """Share of each practice's registered residents in the top three bands, with funnel limits."""
    registered = bands_table[bands_table["registered"] & bands_table["practice_ods_code"].notna()]
    grouped = (
        registered.assign(
            numerator=registered["residents"].where(registered["risk_band"].isin(TOP_BANDS), 0),
            denominator=registered["residents"],
        )
        .groupby("practice_ods_code")[["numerator", "denominator"]]
        .sum()
    )
    grouped = grouped[grouped["denominator"] > 0]
    if grouped.empty:
        return []
    points = funnel(grouped.index, grouped["numerator"], grouped["denominator"])
    rows = []
    for point in points:
        numerator = publish_count(point.numerator)
        rows.append(
            {
                "code": point.unit,
                "name": names.get(point.unit, point.unit),
                "numerator": numerator,
                "denominator": publish_count(point.denominator),
                "proportion": published_share(numerator, publish_count(point.denominator)),
                "limits_95": (point.lower_95, point.upper_95),
                "limits_998": (point.lower_998, point.upper_998),
                "position": point.position,
                "outside": point.position != "within limits",
            }
        )
    return sorted(rows, key=lambda r: (not r["outside"], r["name"]))
