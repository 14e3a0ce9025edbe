"""Residents: who lives in each LSOA, their age, sex, ethnicity, names and NHS numbers.

Ages follow the Census 2021 broad age bands of each LSOA; within a band, ages follow a smooth
London-like shape (flat in childhood and working ages, falling steeply after 65). Ethnicity
follows Census 2021 shares for the borough where known, London's otherwise. Every draw comes
from the chunk's own random generator, so a chunk is the same whichever order chunks run in.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from octopus.synthetic import names as naming
from octopus.synthetic.geography import AGE_BANDS, Area

# Census 2021 ethnicity shares (%), 16 groups in Grouping_16 order (1 White British ...
# 16 Any other). London: ONS TS021 for London region; boroughs: the borough's TS021 profile,
# mixed groups split in London proportions. Rounded; only the shape matters here.
LONDON_ETHNICITY = (36.8, 1.8, 14.7, 1.5, 0.8, 1.2, 1.9, 7.5, 3.3, 3.7, 4.6, 3.9, 7.9, 1.6, 1.7, 6.3)
BOROUGH_ETHNICITY = {
    "Westminster": (26.8, 2.0, 26.4, 1.6, 0.9, 1.5, 2.3, 3.4, 1.0, 4.3, 5.4, 1.4, 4.6, 1.4, 3.1, 13.9),
    "Tower Hamlets": (22.9, 1.4, 15.1, 1.1, 0.6, 0.8, 1.8, 3.1, 1.3, 34.6, 2.1, 1.6, 4.3, 1.4, 3.3, 4.6),
    "Newham": (14.8, 0.8, 15.2, 1.0, 0.6, 0.9, 1.5, 12.8, 9.8, 15.9, 2.6, 3.6, 11.3, 2.6, 1.1, 5.5),
    "Waltham Forest": (30.6, 1.3, 20.9, 1.6, 0.8, 1.4, 2.3, 3.6, 9.5, 3.8, 3.5, 6.5, 6.4, 2.0, 0.9, 4.9),
}
# Share of residents whose record carries no ethnicity code (GP data, roughly).
ETHNICITY_UNRECORDED = 0.08


def age_in_band(low: int, high: int, u: np.ndarray) -> np.ndarray:
    """Ages within a Census band; 65+ falls off like London's life table (few over 95)."""
    if low < 65:
        return low + (u * (high - low)).astype(np.int16)
    # Truncated exponential from 65 with a 9-year scale: median near 71, about 2% over 90.
    scale = 9.0
    span = 1 - np.exp(-(high - low) / scale)
    return (low - scale * np.log(1 - u * span)).astype(np.int16)


def draw_ages(area: Area, lsoa: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    bands = area.lsoas[[name for name, _, _ in AGE_BANDS]].to_numpy(dtype=np.float64)
    shares = bands / bands.sum(axis=1, keepdims=True)
    cumulative = np.cumsum(shares, axis=1)[lsoa]
    u = rng.random(len(lsoa))
    band = (u[:, None] > cumulative).sum(axis=1).clip(0, len(AGE_BANDS) - 1)
    ages = np.empty(len(lsoa), dtype=np.int16)
    inner = rng.random(len(lsoa))
    for index, (_, low, high) in enumerate(AGE_BANDS):
        mask = band == index
        ages[mask] = age_in_band(low, high, inner[mask])
    return ages


def draw_ethnicity(boroughs: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Census 16-group ethnicity (1..16) per person; 0 where the record has none."""
    out = np.zeros(len(boroughs), dtype=np.int8)
    for borough in np.unique(boroughs):
        mask = boroughs == borough
        shares = np.array(BOROUGH_ETHNICITY.get(borough, LONDON_ETHNICITY))
        out[mask] = rng.choice(np.arange(1, 17), size=int(mask.sum()), p=shares / shares.sum())
    out[rng.random(len(out)) < ETHNICITY_UNRECORDED] = 0
    return out


def ethnicity_codes(groups: np.ndarray, table: pd.DataFrame, rng: np.random.Generator) -> np.ndarray:
    """A SNOMED CT ethnicity code from the shipped OpenSAFELY list for each group (None for 0)."""
    out = np.full(len(groups), None, dtype=object)
    u = rng.random(len(groups))
    for group in range(1, 17):
        mask = groups == group
        codes = table.loc[table["Grouping_16"] == group, "code"].to_numpy(dtype=object)
        if mask.any() and len(codes):
            # The commonest codes in GP records are the few census-category ones: favour the
            # first few listed rather than spreading evenly over rare free-text-like concepts.
            take = np.minimum((u[mask] ** 3 * len(codes)).astype(np.int64), len(codes) - 1)
            out[mask] = codes[take]
    return out


def make_residents(
    area: Area,
    lsoa: np.ndarray,
    person_ids: np.ndarray,
    nhs_numbers: np.ndarray,
    as_of: np.datetime64,
    ethnicity_table: pd.DataFrame,
    rng: np.random.Generator,
) -> pd.DataFrame:
    """The residents of one chunk: demographics and identity, one row per person."""
    n = len(lsoa)
    ages = draw_ages(area, lsoa, rng)
    # Slightly more women at older ages (ONS mid-year estimates: about 55% of over-65s).
    p_female = np.where(ages >= 65, 0.55 + (ages - 65).clip(0, 30) * 0.006, 0.505)
    female = rng.random(n) < p_female
    days_old = ages.astype(np.int64) * 365 + rng.integers(0, 365, n)
    dob = as_of - days_old.astype("timedelta64[D]")
    boroughs = area.lsoas["lad24_name"].to_numpy(dtype=object)[lsoa]
    ethnicity = draw_ethnicity(boroughs, rng)
    tradition_group = np.where(ethnicity == 0, rng.choice(np.arange(1, 17), size=n), ethnicity)
    tradition = naming.TRADITION_OF_ETHNICITY[tradition_group]
    given = np.where(
        female,
        naming.pick(naming.GIVEN_FEMALE, tradition, rng),
        naming.pick(naming.GIVEN_MALE, tradition, rng),
    )
    family = naming.pick(naming.FAMILY, tradition, rng)
    language = naming.languages(tradition, rng)
    # Children share the household language, but are recorded as English speakers far more often.
    language[(ages < 16) & (rng.random(n) < 0.7)] = "en"
    interpreter = (language != "en") & (rng.random(n) < np.where(ages >= 65, 0.55, 0.2))
    phone_digits = rng.integers(0, 100_000, n)
    # Ofcom's drama range 07700 900000-900999 is reserved for fiction; wider 07700 9xxxxx used
    # here so a synthetic number is never a real subscriber's in practice.
    phone = np.char.add("07700 9", np.char.zfill(phone_digits.astype(str), 5).astype("<U5"))
    has_phone = rng.random(n) < np.where(ages < 16, 0.0, 0.85)
    has_email = rng.random(n) < np.where((ages >= 16) & (ages < 75), 0.6, 0.15)
    email = np.char.add(
        np.char.add(np.char.lower(given.astype(str)), "."),
        np.char.add(np.char.lower(np.char.replace(family.astype(str), "'", "")), "@example.org"),
    )
    imd = area.lsoas["imd_score"].to_numpy()[lsoa]
    decile = area.lsoas["imd_decile"].to_numpy()[lsoa]
    return pd.DataFrame(
        {
            "true_person_id": person_ids,
            "nhs_number": nhs_numbers,
            "lsoa_index": lsoa.astype(np.int32),
            "lsoa_code": area.lsoas["lsoa21_code"].to_numpy(dtype=object)[lsoa],
            "borough": boroughs,
            "lad24_code": area.lsoas["lad24_code"].to_numpy(dtype=object)[lsoa],
            "imd_score": imd,
            "imd_decile": decile.astype(np.int8),
            "age": ages,
            "sex": np.where(female, "female", "male"),
            "date_of_birth": dob,
            "ethnicity_group": ethnicity,
            "ethnicity_snomed_code": ethnicity_codes(ethnicity, ethnicity_table, rng),
            "given_name": given,
            "family_name": family,
            "main_language": language,
            "interpreter_needed": interpreter,
            "phone": np.where(has_phone, phone.astype(object), None),
            "email": np.where(has_email, email.astype(object), None),
        }
    )
