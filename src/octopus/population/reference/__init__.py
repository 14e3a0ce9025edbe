"""Open reference data shipped with the engine (see ``README.md`` for sources and licences)."""

from __future__ import annotations

from functools import cache
from pathlib import Path

import ibis
import pandas as pd

REFERENCE_DIR = Path(__file__).resolve().parent
IMD_FILE = REFERENCE_DIR / "imd2025_lsoa21_london.csv"


@cache
def imd_frame() -> pd.DataFrame:
    return pd.read_csv(IMD_FILE, dtype={"lsoa21_code": str})


def imd_deciles() -> ibis.Table:
    frame = imd_frame()[["lsoa21_code", "imd_decile"]].rename(columns={"lsoa21_code": "imd_lsoa_code"})
    return ibis.memtable(frame.astype({"imd_decile": "int64"}))
