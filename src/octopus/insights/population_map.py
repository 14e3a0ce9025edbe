"""The population map (issue #17): one indicator per LSOA drawn on the shipped 2021 boundaries.

IMD 2025 decile is published open data (no disclosure control). The others are rates per 1,000
residents of the LSOA, computed from the published counts: the LSOA's residents and the
residents counted are each suppressed (1-7) or rounded to 5 (``publish_count``), and the rate is
withheld when either is suppressed.
"""

from __future__ import annotations

import datetime as dt

import pandas as pd

from octopus.core import maps
from octopus.core.charts import Chart, Definition
from octopus.core.disclosure import publish_count
from octopus.reference import lsoas

from .overview import SOURCE

TOP_BANDS = (1, 2, 3)
INDICATORS = {
    "imd": "IMD 2025 decile (1 = most deprived 10% in England)",
    "high-risk": "Residents in the top three risk bands per 1,000 residents",
    "prevention-gaps": "Residents with at least one prevention gap per 1,000 residents",
    "emergency-admissions": "Residents with an emergency admission per 1,000 residents",
}
# The chart table column counting the residents each rate is of (``chart_tables`` ``bands``).
_COUNTED = {
    "high-risk": lambda bands: bands["residents"].where(bands["risk_band"].isin(TOP_BANDS), 0),
    "prevention-gaps": lambda bands: bands["prevention_gap"],
    "emergency-admissions": lambda bands: bands["admitted"],
}


def _imd_deciles() -> dict[str, int]:
    table = lsoas()[["lsoa21_code", "imd_decile"]].dropna()
    return {code: int(decile) for code, decile in zip(table["lsoa21_code"], table["imd_decile"], strict=True)}


def indicator_map(bands: pd.DataFrame, indicator: str, as_of: dt.date) -> Chart:
    """``bands``: the area's rows of ``chart_tables`` ``bands`` (residents per place and band)."""
    if indicator not in INDICATORS:
        raise KeyError(indicator)
    placed = bands[bands["lsoa_code"].notna() & (bands["residents"] > 0)]
    codes = sorted(placed["lsoa_code"].unique())
    label = INDICATORS[indicator]
    if indicator == "imd":
        deciles = _imd_deciles()
        return maps.lsoa_map(
            "map-imd",
            "Deprivation: IMD 2025 decile by LSOA",
            {c: deciles.get(c) for c in codes},
            value_label="IMD 2025 decile",
            kind="text",
            ordinal=True,
            scheme="purples",
            reverse=True,
            definition=Definition(
                "Index of Multiple Deprivation 2025 rank of the LSOA, in tenths of England's LSOAs",
                "All 33,755 LSOAs in England",
                "English Indices of Deprivation 2025 (MHCLG), Open Government "
                "Licence v3.0; boundaries ONS LSOA 2021 BGC",
                as_of,
                "Decile 1 is the most deprived tenth, drawn darkest. LSOAs are those where the area's residents live.",
            ),
        )
    flagged = placed.assign(counted=_COUNTED[indicator](placed)).groupby("lsoa_code")[["residents", "counted"]].sum()
    values = {}
    for code in codes:
        residents, counted = (
            publish_count(int(flagged.loc[code, "residents"])),
            publish_count(int(flagged.loc[code, "counted"])),
        )
        values[code] = counted / residents * 1000 if residents and counted is not None else None
    return maps.lsoa_map(
        f"map-{indicator}",
        f"{label} by LSOA",
        values,
        value_label="Per 1,000 residents",
        kind="rate",
        definition=Definition(
            label.split(" per ")[0] + " living in the LSOA",
            "Residents living in the LSOA",
            SOURCE + "; boundaries ONS LSOA 2021 BGC",
            as_of,
            "Counts of 1-7 are suppressed and the rest rounded to 5 before the rate is worked "
            "out; grey areas have a suppressed figure.",
        ),
    )
