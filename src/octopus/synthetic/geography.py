"""Real London geography for the synthetic population: LSOAs, their people, deprivation, practices.

The generator places residents in the real 2021 LSOAs of an area in proportion to Census 2021,
gives each LSOA its IMD 2025 score, and registers residents with real GP practices near them.
The open data it needs ships compactly in `reference/` (London only, a few hundred kilobytes),
built from the shared data folder by `build_reference`; sources and licences are in
`reference/SOURCES.md`.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

REFERENCE_DIR = Path(__file__).parent / "reference"
LSOA_FILE = "london_lsoa21.csv"
PRACTICE_FILE = "london_gp_practices.csv"

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


def build_reference(shared_dir: Path | str, out_dir: Path | str = REFERENCE_DIR) -> None:
    """Write the compact London reference files from the shared open-data folder."""
    shared = Path(shared_dir)
    out = Path(out_dir)
    geo = pd.read_csv(shared / "lsoa21_geography_lookup_london.csv")
    census = pd.read_csv(shared / "census2021_population_by_broad_age_lsoa21_england_wales.csv")
    imd = pd.read_csv(shared / "imd2025_lsoa21_london.csv")
    centroids = pd.read_csv(shared / "lsoa21_centroids_london.csv")
    lsoas = (
        geo[["lsoa21_code", "lsoa21_name", "msoa21_code", "lad24_code", "lad24_name"]]
        .merge(census.drop(columns=["lsoa21_name"]), on="lsoa21_code", how="inner")
        .merge(imd[["lsoa21_code", "imd_score", "imd_rank", "imd_decile"]], on="lsoa21_code")
        .merge(
            centroids[["lsoa21_code", "inside_point_lat", "inside_point_long", "area_km2"]].rename(
                columns={"inside_point_lat": "lat", "inside_point_long": "long"}
            ),
            on="lsoa21_code",
        )
        .sort_values("lsoa21_code")
    )
    lsoas.to_csv(out / LSOA_FILE, index=False)
    practices = pd.read_csv(shared / "gp_practices_london_oct2025.csv")
    practices = practices.dropna(subset=["lat", "long"])[
        [
            "practice_code",
            "practice_name",
            "practice_postcode",
            "pcn_code",
            "pcn_name",
            "sub_icb_location_code",
            "icb_code",
            "registered_patients_2022",
            "lat",
            "long",
            "lad_of_point",
        ]
    ].sort_values("practice_code")
    practices.to_csv(out / PRACTICE_FILE, index=False)


def load_area(boroughs: tuple[str, ...] | None, reference_dir: Path = REFERENCE_DIR) -> Area:
    """The LSOAs of the named boroughs (all of London when None) and every London practice.

    Every London practice stays a candidate, so residents near a borough edge can register
    across it, as they do.
    """
    lsoas = pd.read_csv(reference_dir / LSOA_FILE)
    practices = pd.read_csv(reference_dir / PRACTICE_FILE)
    # A few practices have no PCN (code "U" or blank): they cannot be a GP-feed sender.
    practices = practices[practices["pcn_code"].fillna("").str.fullmatch(r"U[0-9]{5}")].reset_index(drop=True)
    if boroughs:
        known = {name.lower(): name for name in lsoas["lad24_name"].unique()}
        unknown = [name for name in boroughs if name.lower() not in known]
        if unknown:
            raise ValueError(
                f"Unknown borough {unknown[0]!r}. Use one of: {', '.join(sorted(known.values()))}."
            )
        wanted = {known[name.lower()] for name in boroughs}
        lsoas = lsoas[lsoas["lad24_name"].isin(wanted)]
    return Area(lsoas=lsoas.reset_index(drop=True), practices=practices)


def lsoa_counts(area: Area, residents: int | None, rng: np.random.Generator) -> np.ndarray:
    """Residents per LSOA: the Census count, or `residents` shared out in Census proportion."""
    census = area.lsoas["total"].to_numpy(dtype=np.int64)
    if residents is None:
        return census
    return rng.multinomial(residents, census / census.sum())


def nearest_practices(area: Area, k: int = 6) -> tuple[np.ndarray, np.ndarray]:
    """For each LSOA, its `k` nearest practices (indices) and the choice weight of each.

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
    nearest = np.argsort(distance, axis=1, kind="stable")[:, :k]
    near_distance = np.take_along_axis(distance, nearest, axis=1)
    size = area.practices["registered_patients_2022"].fillna(5000).to_numpy()[nearest]
    weight = size / (near_distance + 0.3) ** 2
    return nearest, weight / weight.sum(axis=1, keepdims=True)
