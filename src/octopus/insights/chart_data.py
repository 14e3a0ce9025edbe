"""The chart pages' figures come from the snapshot's pre-aggregated tables (``charts/``, written by
``population.chart_tables``; decision 0055), never from every resident's row on a request.

- ``tables(snapshot_dir, excluded)``: the five tables, less the residents who objected in the
  app since the snapshot was made (their rows aggregated by the same expression and subtracted,
  as the Inequalities page does), cached per snapshot file and set of objectors.
- ``ChartTables.within(area)``: the rows of the places in an area (a place is LSOA × practice ×
  registered, so an area's figure is the sum over its places, exactly).

A snapshot made before the tables existed has no ``charts/`` folder: the tables are then made
from its residents.parquet by the same expression, once per process (seconds at 1M residents),
and the pages say a new pipeline run makes them fast.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import numpy as np
import pandas as pd

from octopus.population.chart_tables import PLACE, TABLES

from . import areas

log = logging.getLogger(__name__)
FOLDER = "charts"
PLACE_TABLES = ("bands", "segments", "age_sex", "costs")
MEASURES = {
    "bands": (
        "residents",
        "emergency_admissions",
        "admitted",
        "prior_cost",
        "hospital_cost",
        "rising_risk",
        "prevention_gap",
    ),
    "segments": ("residents", "emergency_admissions", "prior_cost"),
    "age_sex": ("residents",),
    "costs": ("residents",),
    "deprivation": ("residents", "risk_probability_sum", "risk_probability_count"),
}


@dataclass(frozen=True)
class ChartTables:
    bands: pd.DataFrame
    segments: pd.DataFrame
    age_sex: pd.DataFrame
    costs: pd.DataFrame
    deprivation: pd.DataFrame
    columns: frozenset[str]  # the columns residents.parquet has (older snapshots lack some)
    precomputed: bool  # False: made from residents.parquet for a snapshot without charts/
    places: pd.DataFrame = field(repr=False, default=None)  # one row per place, index = place id

    def within(self, area: areas.Area) -> ChartTables:
        if area.kind == "borough":
            return self
        chosen = (
            self.places["practice_ods_code"].isin(area.practices or ()).to_numpy()
            & self.places["registered"].to_numpy()
        )
        if area.lsoas is not None:
            chosen |= self.places["lsoa_code"].isin(area.lsoas).to_numpy()
        parts = {name: _take(getattr(self, name), chosen) for name in PLACE_TABLES}
        return ChartTables(
            **parts,
            deprivation=self.deprivation,
            columns=self.columns,
            precomputed=self.precomputed,
            places=self.places[chosen],
        )

    def has(self, column: str) -> bool:
        return column in self.columns

    def cost_distribution(self, kind: str) -> pd.DataFrame | None:
        """Cost and the number of residents with exactly that cost, for ``prior_cost`` or ``hospital_cost``."""
        if not self.has(kind):
            return None
        return self.costs[self.costs["kind"] == kind]

    def practice_codes(self) -> set[str]:
        return {str(c) for c in self.places["practice_ods_code"].dropna().unique()}


def _take(frame: pd.DataFrame, chosen: np.ndarray) -> pd.DataFrame:
    return frame[chosen[frame["place"].to_numpy()]]


def tables(snapshot_dir: Path, excluded: set[str]) -> ChartTables:
    residents = snapshot_dir / "residents.parquet"
    return _tables(str(snapshot_dir), residents.stat().st_mtime, frozenset(excluded))


@lru_cache(maxsize=8)
def _tables(folder: str, modified: float, excluded: frozenset[str]) -> ChartTables:
    base = _snapshot_tables(folder, modified)
    if not excluded:
        return base
    objectors = _objectors_tables(folder, excluded)
    if objectors is None:
        return base
    frames = {name: _subtract(getattr(base, name), objectors[name], name) for name in TABLES}
    return _indexed(frames, base.columns, base.precomputed)


@lru_cache(maxsize=4)
def _snapshot_tables(folder: str, modified: float) -> ChartTables:
    snapshot = Path(folder)
    columns = frozenset(areas.schema(str(snapshot / "residents.parquet")))
    stored = snapshot / FOLDER
    if all((stored / f"{name}.parquet").is_file() for name in TABLES):
        frames = {name: pd.read_parquet(stored / f"{name}.parquet") for name in TABLES}
        return _indexed(frames, columns, True)
    log.info(
        "snapshot %s has no chart tables; aggregating its residents once (run the pipeline again to avoid this)",
        snapshot.name,
    )
    return _indexed(_aggregate(snapshot / "residents.parquet", None), columns, False)


def _aggregate(path: Path, person_ids: frozenset[str] | None) -> dict[str, pd.DataFrame]:
    """The pipeline's own expression over residents.parquet (or only ``person_ids``' rows), on DuckDB."""
    import ibis

    from octopus.population import engines
    from octopus.population.chart_tables import execute_tables

    con = engines.connect()
    table = con.read_parquet(str(path))
    if person_ids is not None:
        table = table.filter(table.person_id.isin(ibis.memtable({"person_id": sorted(person_ids)}).person_id))
    return execute_tables(con, table)


def _objectors_tables(folder: str, excluded: frozenset[str]) -> dict[str, pd.DataFrame] | None:
    frames = _aggregate(Path(folder) / "residents.parquet", excluded)
    return frames if len(frames["bands"]) else None


def _subtract(frame: pd.DataFrame, objectors: pd.DataFrame, name: str) -> pd.DataFrame:
    """The table less the objectors' counts; rows left with no residents go."""
    if objectors.empty:
        return frame.drop(columns=["place"], errors="ignore")
    measures = list(MEASURES[name])
    keys = [c for c in objectors.columns if c not in measures]
    negative = objectors.copy()
    negative[measures] = -negative[measures]
    both = pd.concat([frame.drop(columns=["place"], errors="ignore"), negative], ignore_index=True)
    summed = both.groupby(keys, dropna=False, sort=False, observed=True)[measures].sum().reset_index()
    return summed[summed["residents"] > 0].reset_index(drop=True)


def _indexed(frames: dict[str, pd.DataFrame], columns: frozenset[str], precomputed: bool) -> ChartTables:
    """Give every place a number, so choosing an area's rows is one array lookup per table; keep
    each kind of cost costliest first, so an area's cost distribution needs no sort."""
    out = {name: _normalised(frame) if name in PLACE_TABLES else frame.copy() for name, frame in frames.items()}
    places = pd.concat([out[name][list(PLACE)] for name in PLACE_TABLES], ignore_index=True).drop_duplicates(
        ignore_index=True
    )
    numbered = places.assign(place=np.arange(len(places), dtype="int64"))
    for name in PLACE_TABLES:
        # pandas matches missing keys with missing keys, which is what a place with no LSOA needs.
        out[name] = out[name].merge(numbered, on=list(PLACE), how="left", sort=False)
    costs = out["costs"]
    costs = costs.sort_values(["kind", "cost"], ascending=[True, False], kind="stable", ignore_index=True)
    costs["kind"] = costs["kind"].astype("category")
    out["costs"] = costs
    return ChartTables(**out, columns=columns, precomputed=precomputed, places=places)


def _normalised(frame: pd.DataFrame) -> pd.DataFrame:
    frame = frame.copy()
    frame["registered"] = frame["registered"].fillna(False).astype(bool)
    for column in ("lsoa_code", "practice_ods_code"):
        frame[column] = frame[column].astype("object").where(frame[column].notna(), None)
    return frame
