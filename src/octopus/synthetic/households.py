"""Households: who lives with whom, where, and in what kind of home.

Within each LSOA, about 1 in 2.4 adults heads a household (London's mean household size is 2.6,
ONS Census 2021 TS017) and everyone else joins a random household of their LSOA, children
always with an adult. Some people live elsewhere than a private home: care homes (older and
frailer residents, set in `conditions` after frailty is known), temporary accommodation (about
1 in 50 Londoners, London Councils 2024) and no fixed abode (rough sleeping, a few per 10,000).
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from octopus.synthetic import rows, streets
from octopus.synthetic.geography import Area
from octopus.synthetic.names import ESTATES

# Letters used in the inward part of real postcodes (Royal Mail excludes C, I, K, M, O, V).
_INWARD_LETTERS = np.array(list("ABDEFGHJLNPQRSTUWXYZ"))
TEMPORARY_ACCOMMODATION_RATE = 0.02
HOMELESS_RATE = 0.0015
# About 15 households share a postcode (Royal Mail PAF averages).
HOUSEHOLDS_PER_POSTCODE = 15
# Living situation codes, positions in `SITUATIONS`.
SITUATIONS = ("private", "temporary_accommodation", "homeless", "care_home")
PRIVATE, TEMPORARY, HOMELESS, CARE_HOME = range(4)


def outward_codes(area: Area) -> np.ndarray:
    """For each LSOA, the outward postcode of its nearest practice: a realistic district."""
    lat = area.lsoas["lat"].to_numpy()
    lon = area.lsoas["long"].to_numpy()
    plat = area.practices["lat"].to_numpy()
    plon = area.practices["long"].to_numpy()
    nearest = np.argmin(((lat[:, None] - plat) * 111.2) ** 2 + ((lon[:, None] - plon) * 69.4) ** 2, axis=1)
    return area.practices["practice_postcode"].str.split(" ").str[0].to_numpy(dtype=object)[nearest]


# Every inward code the generator uses ("0AB" ... "9ZZ"), so a postcode is two lookups.
_INWARD_CODES = rows.vocabulary(f"{d}{a}{b}" for b in _INWARD_LETTERS for a in _INWARD_LETTERS for d in range(10))
ESTATE_NAMES = rows.vocabulary(ESTATES)


def assign_households(residents: dict, area: Area, outward: pa.Array, chunk: int, rng: np.random.Generator) -> dict:
    """Add household, address, postcode, coordinates and living situation to `residents`.

    `residents` must be sorted by LSOA (the generator builds chunks that way).
    """
    lsoa = residents["lsoa_index"]
    n = len(lsoa)
    adult = residents["age"] >= 18
    situation = np.zeros(n, dtype=np.int8)
    u = rng.random(n)
    situation[u < TEMPORARY_ACCOMMODATION_RATE] = TEMPORARY
    situation[(u >= TEMPORARY_ACCOMMODATION_RATE) & (u < TEMPORARY_ACCOMMODATION_RATE + HOMELESS_RATE) & adult] = (
        HOMELESS
    )

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
    alone_elsewhere = situation != PRIVATE
    household[alone_elsewhere] = np.arange(n)[alone_elsewhere]

    household_size = np.bincount(household, minlength=n)[household]
    street_names, house_number, lat, lon = _doors(lsoa, household, area, rng)
    street = pa.array(street_names, pa.string())
    estate = ESTATE_NAMES.take(pa.array(rng.integers(0, len(ESTATES), n)[household]))
    flat = rng.random(n)[household] < 0.5
    address = pc.if_else(
        pa.array(flat),
        rows.join(
            rows.join("Flat ", rows.number_text(rng.integers(1, 41, n)[household])),
            rows.join(rows.number_text(house_number), street, separator=" "),
            separator=", ",
        ),
        rows.join(rows.number_text(house_number), street, separator=" "),
    )
    room = rows.join(
        rows.join("Room ", rows.number_text(house_number % 30 + 1)),
        rows.join(street, estate, separator=" "),
        separator=", ",
    )
    address = pc.if_else(pa.array(situation == TEMPORARY), room, address)
    # A postcode per ~15 households of the LSOA, deterministic from chunk and LSOA.
    slot = (
        rng.random(n)[household]
        * np.maximum(1, np.bincount(lsoa, minlength=lsoa.max() + 1)[lsoa] // (HOUSEHOLDS_PER_POSTCODE * 2.6))
    ).astype(np.int64)
    code = (lsoa.astype(np.int64) * 7919 + slot * 104729) % (10 * len(_INWARD_LETTERS) ** 2)
    postcode = rows.join(outward.take(pa.array(lsoa)), _INWARD_CODES.take(pa.array(code)), separator=" ")
    homeless = situation == HOMELESS
    none = pa.scalar(None, pa.string())
    residents.update(
        household_id=(np.int64(chunk) << 32) + household,
        household_size=np.where(homeless, 1, household_size),
        living_alone=(household_size == 1) & (situation == PRIVATE),
        situation=situation,
        address_line=pc.if_else(pa.array(homeless), none, address),
        postcode=pc.if_else(pa.array(homeless), none, postcode),
        lat=np.round(lat, 6),
        long=np.round(lon, 6),
    )
    return residents


def _doors(lsoa: np.ndarray, household: np.ndarray, area: Area, rng: np.random.Generator):
    """Each person's street name, house number and coordinates: their household's door on one of
    its LSOA's streets (``streets``: inside the LSOA's real boundary where it is shipped)."""
    n = len(lsoa)
    name = np.empty(n, dtype=object)
    number = np.zeros(n, dtype=np.int64)
    lat, lon = np.zeros(n), np.zeros(n)
    heads = np.unique(household)
    codes = area.lsoas["lsoa21_code"].to_numpy(dtype=object)
    points_lat, points_lon = area.lsoas["lat"].to_numpy(), area.lsoas["long"].to_numpy()
    areas_km2 = area.lsoas["area_km2"].to_numpy()
    # Street count from the Census population, not the chunk, so every chunk sees the same streets.
    census_households = area.lsoas["total"].to_numpy() / 2.6
    head_lsoa = lsoa[heads]
    for index in np.unique(head_lsoa):
        mine = heads[head_lsoa == index]
        found = streets.streets_for(
            codes[index],
            float(points_lat[index]),
            float(points_lon[index]),
            float(areas_km2[index]),
            int(round(census_households[index], -1)),
        )
        street, numbers, y, x = streets.place(found, float(points_lat[index]), rng, len(mine))
        name[mine] = np.array(found.names, dtype=object)[street]
        number[mine], lat[mine], lon[mine] = numbers, y, x
    return name[household], number[household], lat[household], lon[household]
