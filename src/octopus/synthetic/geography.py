"""Real London geography for the synthetic population: LSOAs, their people, deprivation, practices.

The generator places residents in the real 2021 LSOAs of an area in proportion to Census 2021,
gives each LSOA its IMD 2025 score, and registers residents with real GP practices near them.
The open data comes from `octopus.reference`, the one London reference package the directory
also uses (sources and licences in its README).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

import numpy as np
import pandas as pd

from octopus import reference

# Census 2021 broad age bands (ONS TS007A-style grouping in the shared extract), as [low, high).
AGE_BANDS: tuple[tuple[str, int, int], ...] = (
    ("age_0_15", 0, 16),
    ("age_16_24", 16, 25),
    ("age_25_34", 25, 35),
    ("age_35_49", 35, 50),
    ("age_50_64", 50, 65),
    ("age_65_plus", 65, 101),
)


@dataclass(frozen=True)
class Area:
    """The LSOAs (one row each, in code order) and practices a population is drawn from."""

    lsoas: pd.DataFrame
    practices: pd.DataFrame

    @property
    def boroughs(self) -> tuple[str, ...]:
        return tuple(sorted(self.lsoas["lad24_name"].unique()))

    @cached_property
    def borough_codes(self) -> tuple[str, ...]:
        """ONS GSS codes of `boroughs`, in the same order."""
        names = dict(zip(self.lsoas["lad24_name"], self.lsoas["lad24_code"], strict=False))
        return tuple(names[name] for name in self.boroughs)

    @cached_property
    def borough_of_lsoa(self) -> np.ndarray:
        """Index into `boroughs` of each LSOA."""
        return np.searchsorted(np.array(self.boroughs), self.lsoas["lad24_name"].to_numpy(dtype=str))


def load_area(boroughs: tuple[str, ...] | None) -> Area:
    """The LSOAs of the named boroughs (all of London when None) and every London practice.

    Every London practice stays a candidate, so residents near a borough edge can register
    across it, as they do.
    """
    lsoas = reference.lsoas().rename(columns={"latitude": "lat", "longitude": "long"})
    practices = reference.practices().rename(columns={"latitude": "lat", "longitude": "long"})
    practices = practices.dropna(subset=["lat", "long"])
    # A few practices have no PCN (code "U" or blank): they cannot be a GP-feed sender.
    practices = practices[practices["pcn_code"].fillna("").str.fullmatch(r"U[0-9]{5}")].reset_index(drop=True)
    if boroughs:
        known = {name.lower(): name for name in lsoas["lad24_name"].unique()}
        unknown = [name for name in boroughs if name.lower() not in known]
        if unknown:
            raise ValueError(f"Unknown borough {unknown[0]!r}. Use one of: {', '.join(sorted(known.values()))}.")
        wanted = {known[name.lower()] for name in boroughs}
        lsoas = lsoas[lsoas["lad24_name"].isin(wanted)]
    return Area(lsoas=lsoas.reset_index(drop=True), practices=practices)


def lsoa_counts(area: Area, residents: int | None, rng: np.random.Generator) -> np.ndarray:
    """Residents per LSOA: the Census count, or `residents` shared out in Census proportion."""
    census = area.lsoas["total"].to_numpy(dtype=np.int64)
    if residents is None:
        return census
    return rng.multinomial(residents, census / census.sum())


def nearest_practices(area: Area, k: int = 6, further: int = 40) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """For each LSOA, its `k` nearest practices (indices), the choice weight of each, and the
    `further` practices after those (where out-of-area registrants go).

    Weight is list size over squared distance (plus 300 m, so a practice next door does not take
    everyone): people mostly register near home, and big practices draw more of them.
    """
    lat = area.lsoas["lat"].to_numpy()
    lon = area.lsoas["long"].to_numpy()
    plat = area.practices["lat"].to_numpy()
    plon = area.practices["long"].to_numpy()
    dx = (lon[:, None] - plon[None, :]) * 69.4  # km per degree of longitude at 51.5 N
    dy = (lat[:, None] - plat[None, :]) * 111.2
    distance = np.hypot(dx, dy)
    ranked = np.argsort(distance, axis=1, kind="stable")
    nearest = ranked[:, :k]
    near_distance = np.take_along_axis(distance, nearest, axis=1)
    size = area.practices["registered_patients_2022"].fillna(5000).to_numpy()[nearest]
    weight = size / (near_distance + 0.3) ** 2
    return nearest, weight / weight.sum(axis=1, keepdims=True), ranked[:, k : k + further]
