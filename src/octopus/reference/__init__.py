"""London reference data shipped with Octopus: one copy, pure data, no Django.

Two tables, rebuilt by `build.py` from the shared open-data folder (sources and licences in
README.md):

- `london_lsoa21.csv`: one row per 2021 LSOA in London (4,994) with MSOA, ward, borough and
  ICB codes and names, Census 2021 usual residents by broad age band, IMD 2025 score, rank and
  decile, a point inside the LSOA and its area.
- `london_gp_practices.csv`: one row per London GP practice (1,144) with PCN, sub-ICB and ICB,
  2022 list size, a geocoded point (7 practices have none) and the LSOA and borough of that point.

The directory loads them into its tables; the synthetic generator places residents with them.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import pandas as pd

REFERENCE_DIR = Path(__file__).parent


def lsoas_path() -> Path:
    return REFERENCE_DIR / "london_lsoa21.csv"


def practices_path() -> Path:
    return REFERENCE_DIR / "london_gp_practices.csv"


def lsoas() -> pd.DataFrame:
    """The LSOA table, in LSOA code order."""
    import pandas as pd

    return pd.read_csv(lsoas_path())


def practices() -> pd.DataFrame:
    """The practice table, in practice code order; PCN code kept as text ("U12345")."""
    import pandas as pd

    return pd.read_csv(practices_path(), dtype={"pcn_code": str, "sub_icb_location_code": str})


def bank_holidays_path() -> Path:
    return REFERENCE_DIR / "bank_holidays_england_wales.csv"


def bank_holidays() -> dict:
    """England and Wales bank holidays (README.md: source, date taken, years covered), as
    ``{datetime.date: title}``."""
    import csv
    import datetime as dt

    with bank_holidays_path().open(newline="", encoding="utf-8") as handle:
        return {dt.date.fromisoformat(row["date"]): row["title"] for row in csv.DictReader(handle)}


def imd_domains_path() -> Path:
    return REFERENCE_DIR / "imd2025_domains_london.csv"
