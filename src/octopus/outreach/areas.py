"""Where to knock first: London LSOAs with their names and deprivation, from the shipped
reference table (IMD 2025; rank 1 is the most deprived LSOA in England)."""

import csv
from dataclasses import dataclass
from functools import cache

from octopus.reference import lsoas_path


@dataclass(frozen=True)
class Area:
    lsoa_code: str
    lsoa_name: str
    ward_name: str
    msoa_name: str
    borough_name: str
    imd_rank: int
    imd_decile: int
    latitude: float | None = None  # a point inside the LSOA, not necessarily its centroid
    longitude: float | None = None

    @property
    def label(self) -> str:
        return f"{self.ward_name} ({self.lsoa_name})"


@cache
def _areas() -> dict[str, Area]:
    # csv rather than pandas: a page asks for a few names, and this loads in milliseconds.
    with lsoas_path().open(newline="") as handle:
        return {
            row["lsoa21_code"]: Area(
                row["lsoa21_code"],
                row["lsoa21_name"],
                row["ward24_name"],
                row["msoa21_name"],
                row["lad24_name"],
                int(row["imd_rank"]),
                int(row["imd_decile"]),
                float(row["latitude"]) if row["latitude"] else None,
                float(row["longitude"]) if row["longitude"] else None,
            )
            for row in csv.DictReader(handle)
        }


def all_areas() -> list[Area]:
    return list(_areas().values())


def area(lsoa_code: str) -> Area | None:
    return _areas().get(lsoa_code)


# Unknown LSOAs (outside London, or missing) sort after every known one.
UNRANKED = 10**9


def deprivation_rank(lsoa_code: str) -> int:
    found = area(lsoa_code)
    return found.imd_rank if found else UNRANKED


def lsoas_matching(text: str) -> set[str]:
    """LSOA codes whose code, LSOA name, ward or MSOA name contains the text (any case):
    "Church Street" finds the ward's LSOAs, "E01004670" one LSOA."""
    needle = text.strip().casefold()
    if not needle:
        return set()
    return {
        code
        for code, a in _areas().items()
        if needle in code.casefold()
        or needle in a.lsoa_name.casefold()
        or needle in a.ward_name.casefold()
        or needle in a.msoa_name.casefold()
    }
