"""Rebuild the London reference tables next to this file from the shared open-data folder.

    python -m octopus.reference.build /path/to/shared/data

Run by hand after ONS, MHCLG or NHS England publish a new release; the output is committed.
Columns keep their source meaning; only names are shortened (see README.md).
"""

from __future__ import annotations

import sys
from pathlib import Path

import pandas as pd

HERE = Path(__file__).parent

GEOGRAPHY_COLUMNS = {
    "lsoa21_code": "lsoa21_code",
    "lsoa21_name": "lsoa21_name",
    "msoa21_code": "msoa21_code",
    "msoa21_hcl_name": "msoa21_name",
    "ward24_code": "ward24_code",
    "ward24_name": "ward24_name",
    "lad24_code": "lad24_code",
    "lad24_name": "lad24_name",
    "icb24_code_nhs": "icb24_code",
    "icb24_name": "icb24_name",
}
CENSUS_COLUMNS = ("total", "age_0_15", "age_16_64", "age_65_plus", "age_16_24", "age_25_34", "age_35_49", "age_50_64")
IMD_COLUMNS = ("imd_score", "imd_rank", "imd_decile")
PRACTICE_COLUMNS = {
    "practice_code": "practice_code",
    "practice_name": "practice_name",
    "practice_postcode": "practice_postcode",
    "pcn_code": "pcn_code",
    "pcn_name": "pcn_name",
    "sub_icb_location_code": "sub_icb_location_code",
    "icb_code": "icb_code",
    "registered_patients_2022": "registered_patients_2022",
    "lat": "latitude",
    "long": "longitude",
    "lsoa21_code_of_point": "lsoa21_code",
    "lad_of_point": "borough_name",
}


def build_lsoas(shared: Path) -> pd.DataFrame:
    """Every London 2021 LSOA with its geography, Census 2021 ages, IMD 2025 and a point inside it."""
    geography = pd.read_csv(shared / "lsoa21_geography_lookup_london.csv")[list(GEOGRAPHY_COLUMNS)].rename(
        columns=GEOGRAPHY_COLUMNS
    )
    census = pd.read_csv(shared / "census2021_population_by_broad_age_lsoa21_england_wales.csv")[
        ["lsoa21_code", *CENSUS_COLUMNS]
    ]
    imd = pd.read_csv(shared / "imd2025_lsoa21_london.csv")[["lsoa21_code", *IMD_COLUMNS]]
    # The inside point always falls within the LSOA; a centroid may not (crescent-shaped LSOAs).
    points = pd.read_csv(shared / "lsoa21_centroids_london.csv").rename(
        columns={"inside_point_lat": "latitude", "inside_point_long": "longitude"}
    )
    points = points[["lsoa21_code", "latitude", "longitude", "area_km2"]].round({"latitude": 6, "longitude": 6})
    lsoas = (
        geography.merge(census, on="lsoa21_code", how="left")
        .merge(imd, on="lsoa21_code", how="left")
        .merge(points, on="lsoa21_code", how="left")
    )
    missing = lsoas[lsoas[["total", "imd_score", "latitude"]].isna().any(axis=1)]
    if len(missing):
        raise ValueError(
            f"{len(missing)} London LSOAs lack Census, IMD or a point (first {missing['lsoa21_code'].iloc[0]}): check "
            "the shared files are the same vintage."
        )
    return lsoas.sort_values("lsoa21_code").reset_index(drop=True)


def build_practices(shared: Path) -> pd.DataFrame:
    """London's GP practices (October 2025 mapping) with 2022 list size and a geocoded point."""
    practices = pd.read_csv(shared / "gp_practices_london_oct2025.csv", dtype={"pcn_code": str})[
        list(PRACTICE_COLUMNS)
    ].rename(columns=PRACTICE_COLUMNS)
    practices["registered_patients_2022"] = practices["registered_patients_2022"].astype("Int64")
    return practices.round({"latitude": 6, "longitude": 6}).sort_values("practice_code").reset_index(drop=True)


# The seven IMD 2025 domains, in MHCLG's order; rank 1 is the most deprived LSOA in England.
IMD_DOMAINS = (
    "income",
    "employment",
    "education",
    "health",
    "crime",
    "barriers_housing_services",
    "living_environment",
)


def build_imd_domains(shared: Path) -> pd.DataFrame:
    """Each London LSOA's rank on the seven IMD 2025 domains (the outreach area page)."""
    columns = [f"{domain}_rank" for domain in IMD_DOMAINS]
    domains = pd.read_csv(shared / "imd2025_lsoa21_london.csv")[["lsoa21_code", *columns]]
    return domains.astype({c: "int64" for c in columns}).sort_values("lsoa21_code").reset_index(drop=True)


def build(shared_dir: Path | str, out_dir: Path | str = HERE) -> None:
    shared, out = Path(shared_dir), Path(out_dir)
    build_lsoas(shared).to_csv(out / "london_lsoa21.csv", index=False)
    build_imd_domains(shared).to_csv(out / "imd2025_domains_london.csv", index=False)
    build_practices(shared).to_csv(out / "london_gp_practices.csv", index=False)


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit("Usage: python -m octopus.reference.build /path/to/shared/data")
    build(sys.argv[1])
