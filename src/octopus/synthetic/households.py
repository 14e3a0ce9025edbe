"""Households: who lives with whom, where, and in what kind of home.

Within each LSOA, about 1 in 2.4 adults heads a household (London's mean household size is 2.6,
ONS Census 2021 TS017) and everyone else joins a random household of their LSOA, children
always with an adult. Some people live elsewhere than a private home: care homes (older and
frailer residents, set in `conditions` after frailty is known), temporary accommodation (about
1 in 50 Londoners, London Councils 2024) and no fixed abode (rough sleeping, a few per 10,000).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from octopus.synthetic.geography import Area
from octopus.synthetic.names import ESTATES, STREETS

# Letters used in the inward part of real postcodes (Royal Mail excludes C, I, K, M, O, V).
_INWARD_LETTERS = np.array(list("ABDEFGHJLNPQRSTUWXYZ"))
TEMPORARY_ACCOMMODATION_RATE = 0.02
HOMELESS_RATE = 0.0015
# About 15 households share a postcode (Royal Mail PAF averages).
HOUSEHOLDS_PER_POSTCODE = 15


def outward_codes(area: Area) -> np.ndarray:
    """For each LSOA, the outward postcode of its nearest practice: a realistic district."""
    lat = area.lsoas["lat"].to_numpy()
    lon = area.lsoas["long"].to_numpy()
    plat = area.practices["lat"].to_numpy()
    plon = area.practices["long"].to_numpy()
    nearest = np.argmin(((lat[:, None] - plat) * 111.2) ** 2 + ((lon[:, None] - plon) * 69.4) ** 2, axis=1)
    return area.practices["practice_postcode"].str.split(" ").str[0].to_numpy(dtype=object)[nearest]


def assign_households(residents: pd.DataFrame, area: Area, outward: np.ndarray, chunk: int, rng: np.random.Generator) -> pd.DataFrame:
    """Add household, address, postcode, coordinates and living situation to `residents`.

    `residents` must be sorted by LSOA (the generator builds chunks that way).
    """
    n = len(residents)
    lsoa = residents["lsoa_index"].to_numpy()
    adult = residents["age"].to_numpy() >= 18
    situation = np.full(n, "private", dtype=object)
    u = rng.random(n)
    situation[u < TEMPORARY_ACCOMMODATION_RATE] = "temporary_accommodation"
    situation[(u >= TEMPORARY_ACCOMMODATION_RATE) & (u < TEMPORARY_ACCOMMODATION_RATE + HOMELESS_RATE) & adult] = "homeless"

    # Heads: a random ~42% of adults, at least one per LSOA that has adults.
    head = adult & (rng.random(n) < 0.42)
    order = np.lexsort((~head, lsoa))  # heads first within each LSOA
    lsoa_sorted = lsoa[order]
    starts = np.searchsorted(lsoa_sorted, np.unique(lsoa_sorted))
    head_sorted = head[order]
    heads_per_lsoa = np.add.reduceat(head_sorted.astype(np.int64), starts)
    first_of = np.repeat(starts, np.diff(np.append(starts, n)))
    heads_of = np.repeat(heads_per_lsoa, np.diff(np.append(starts, n)))
    pick = first_of + (rng.random(n) * np.maximum(heads_of, 1)).astype(np.int64)
    household_sorted = np.where(head_sorted | (heads_of == 0), np.arange(n), pick)
    household = np.empty(n, dtype=np.int64)
    household[order] = order[household_sorted]
    # Homeless people and most in temporary accommodation count as their own household.
    alone_elsewhere = situation != "private"
    household[alone_elsewhere] = np.arange(n)[alone_elsewhere]

    household_size = np.bincount(household, minlength=n)[household]
    lat = area.lsoas["lat"].to_numpy()[lsoa]
    lon = area.lsoas["long"].to_numpy()[lsoa]
    radius_km = np.sqrt(area.lsoas["area_km2"].to_numpy()[lsoa] / np.pi)
    jitter = rng.normal(0, 0.5, (n, 2))[household] * radius_km[:, None]
    house_number = rng.integers(1, 240, n)[household]
    street = np.array(STREETS, dtype=object)[rng.integers(0, len(STREETS), n)][household]
    estate = np.array(ESTATES, dtype=object)[rng.integers(0, len(ESTATES), n)][household]
    flat = rng.random(n)[household] < 0.5
    address = np.where(
        flat,
        "Flat " + (house_number % 40 + 1).astype(str).astype(object) + ", " + np.char.add(street.astype(str), "").astype(object).copy(),
        house_number.astype(str).astype(object) + " " + street,
    )
    address = np.where(situation == "temporary_accommodation", "Room " + (house_number % 30 + 1).astype(str).astype(object) + ", " + street.astype(object) + " " + estate, address)
    # A postcode per ~15 households of the LSOA, deterministic from chunk and LSOA.
    slot = (rng.random(n)[household] * np.maximum(1, np.bincount(lsoa, minlength=lsoa.max() + 1)[lsoa] // (HOUSEHOLDS_PER_POSTCODE * 2.6))).astype(np.int64)
    code = (lsoa.astype(np.int64) * 7919 + slot * 104729) % (10 * len(_INWARD_LETTERS) ** 2)
    inward = np.char.add(
        (code % 10).astype(str),
        np.char.add(_INWARD_LETTERS[(code // 10) % len(_INWARD_LETTERS)], _INWARD_LETTERS[(code // 200) % len(_INWARD_LETTERS)]),
    )
    postcode = np.char.add(np.char.add(outward[lsoa].astype(str), " "), inward).astype(object)
    homeless = situation == "homeless"
    postcode[homeless] = None
    address[homeless] = None
    residents = residents.assign(
        household_id=(np.int64(chunk) << 32) + household,
        household_size=np.where(homeless, 1, household_size),
        living_alone=(household_size == 1) & (situation == "private"),
        living_situation=situation,
        address_line=address,
        postcode=postcode,
        lat=np.round(lat + jitter[:, 0] / 111.2, 6),
        long=np.round(lon + jitter[:, 1] / 69.4, 6),
    )
    return residents
