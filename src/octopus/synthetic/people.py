"""Residents: who lives in each LSOA, their age, sex, ethnicity, names and NHS numbers.

Ages follow the Census 2021 broad age bands of each LSOA; within a band, ages follow a smooth
London-like shape (flat in childhood and working ages, falling steeply after 65). Ethnicity
follows Census 2021 shares for the borough where known, London's otherwise. Every draw comes
from the chunk's own random generator, so a chunk is the same whichever order chunks run in.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from octopus.synthetic import names as naming
from octopus.synthetic import rows
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


def draw_ethnicity(borough_names: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Census 16-group ethnicity (1..16) per person; 0 where the record has none."""
    out = np.zeros(len(borough_names), dtype=np.int8)
    u = rng.random(len(borough_names))
    for borough in np.unique(borough_names):
        mask = borough_names == borough
        shares = np.array(BOROUGH_ETHNICITY.get(borough, LONDON_ETHNICITY))
        cumulative = np.cumsum(shares) / shares.sum()
        out[mask] = 1 + np.minimum(np.searchsorted(cumulative, u[mask], side="right"), 15)
    out[rng.random(len(out)) < ETHNICITY_UNRECORDED] = 0
    return out


def ethnicity_vocabulary(table: pd.DataFrame) -> tuple[pa.Array, tuple[np.ndarray, ...]]:
    """The shipped OpenSAFELY ethnicity codes, and for each group 1..16 the codes' positions."""
    codes = table["code"].to_numpy(dtype=object)
    groups = table["Grouping_16"].to_numpy()
    return rows.vocabulary(codes), tuple(np.flatnonzero(groups == g) for g in range(17))


def ethnicity_codes(groups: np.ndarray, by_group: tuple[np.ndarray, ...], rng: np.random.Generator) -> np.ndarray:
    """A code (position in the ethnicity vocabulary) for each group; -1 for group 0 (unrecorded)."""
    out = np.full(len(groups), -1, dtype=np.int64)
    u = rng.random(len(groups))
    for group in range(1, 17):
        mask = groups == group
        codes = by_group[group]
        if len(codes):
            # The commonest codes in GP records are the few census-category ones: favour the
            # first few listed rather than spreading evenly over rare free-text-like concepts.
            take = np.minimum((u[mask] ** 3 * len(codes)).astype(np.int64), len(codes) - 1)
            out[mask] = codes[take]
    return out


GIVEN = rows.vocabulary(naming.GIVEN_NAMES)
EMAIL_GIVEN = rows.vocabulary(name.lower() for name in naming.GIVEN_NAMES)
EMAIL_FAMILY = rows.vocabulary(name.lower().replace("'", "") for name in naming.FAMILY_NAMES)


def make_residents(
    area: Area,
    lsoa: np.ndarray,
    person_ids: np.ndarray,
    nhs_numbers: np.ndarray,
    as_of: np.datetime64,
    ethnicity: tuple[pa.Array, tuple[np.ndarray, ...]],
    rng: np.random.Generator,
) -> dict:
    """The residents of one chunk: demographics and identity, one array entry per person."""
    n = len(lsoa)
    ages = draw_ages(area, lsoa, rng)
    # Slightly more women at older ages (ONS mid-year estimates: about 55% of over-65s).
    p_female = np.where(ages >= 65, 0.55 + (ages - 65).clip(0, 30) * 0.006, 0.505)
    female = rng.random(n) < p_female
    # At least a day old: the history window ends the day before as-of, and nobody is born after it.
    days_old = ages.astype(np.int64) * 365 + rng.integers(1, 366, n)
    dob = as_of - days_old.astype("timedelta64[D]")
    borough = area.borough_of_lsoa[lsoa]
    group = draw_ethnicity(np.array(area.boroughs, dtype=object)[borough], rng)
    tradition_group = np.where(group == 0, rng.integers(1, 17, n), group)
    tradition = naming.TRADITION_OF_ETHNICITY[tradition_group]
    given = np.where(
        female,
        naming.pick(naming.GIVEN_FEMALE, tradition, rng),
        naming.pick(naming.GIVEN_MALE, tradition, rng),
    )
    family = naming.pick(naming.FAMILY, tradition, rng)
    language = naming.languages(tradition, rng)
    # Children share the household language, but are recorded as English speakers far more often.
    language[(ages < 16) & (rng.random(n) < 0.7)] = naming.ENGLISH
    interpreter = (language != naming.ENGLISH) & (rng.random(n) < np.where(ages >= 65, 0.55, 0.2))
    phone_digits = rng.integers(0, 100_000, n)
    # Ofcom's drama range 07700 900000-900999 is reserved for fiction; wider 07700 9xxxxx used
    # here so a synthetic number is never a real subscriber's in practice.
    phone = rows.join("07700 9", pc.utf8_lpad(rows.number_text(phone_digits), 5, "0"))
    has_phone = rng.random(n) < np.where(ages < 16, 0.0, 0.85)
    has_email = rng.random(n) < np.where((ages >= 16) & (ages < 75), 0.6, 0.15)
    email = rows.join(EMAIL_GIVEN.take(pa.array(given)), EMAIL_FAMILY.take(pa.array(family)), separator=".")
    email = rows.join(email, "@example.org")
    none = pa.scalar(None, pa.string())
    return {
        "true_person_id": person_ids,
        "nhs_number": rows.digits_text(nhs_numbers, 10),
        "lsoa_index": lsoa.astype(np.int64),
        "borough_index": borough,
        "imd_score": area.lsoas["imd_score"].to_numpy()[lsoa],
        "imd_decile": area.lsoas["imd_decile"].to_numpy()[lsoa].astype(np.int8),
        "age": ages,
        "female": female,
        "date_of_birth": dob,
        "ethnicity_group": group,
        "ethnicity_code": ethnicity_codes(group, ethnicity[1], rng),
        "given_name": given,
        "family_name": family,
        "main_language": language,
        "interpreter_needed": interpreter,
        "phone": pc.if_else(pa.array(has_phone), phone, none),
        "email": pc.if_else(pa.array(has_email), email, none),
    }
