"""Synthetic households stand inside their LSOA's real boundary, on streets with neutral names
that stay with their LSOA (octopus.synthetic.streets, households)."""

import numpy as np
import pyarrow as pa
import shapely

from octopus.synthetic import households, streets
from octopus.synthetic.geography import load_area

# Real London streets the generator once drew from for every borough.
LONDON_STREETS = {
    "Harrow Road",
    "Commercial Road",
    "Mile End Road",
    "Romford Road",
    "Hoe Street",
    "Edgware Road",
    "Marylebone Lane",
    "Portobello Road",
    "Whitechapel Road",
    "Barking Road",
    "Brick Lane",
    "Old Street",
}


def _residents(area, per_lsoa: int, seed: int):
    rng = np.random.default_rng(seed)
    lsoa = np.repeat(np.arange(len(area.lsoas)), per_lsoa)
    residents = {"lsoa_index": lsoa, "age": rng.integers(0, 95, len(lsoa))}
    outward = pa.array(households.outward_codes(area))
    return households.assign_households(residents, area, outward, 0, rng)


def test_every_westminster_household_lies_inside_its_lsoa_boundary():
    area = load_area(("Westminster",))
    made = _residents(area, 40, seed=3)
    codes = area.lsoas["lsoa21_code"].to_numpy()[made["lsoa_index"]]
    outside = [
        (code, lat, lon)
        for code, lat, lon in zip(codes, made["lat"], made["long"], strict=True)
        if not streets.boundary(code).covers(shapely.Point(lon, lat))
    ]
    assert len(codes) == 123 * 40 and outside == []


def test_street_names_are_generated_for_the_lsoa_never_a_real_london_street():
    area = load_area(("Westminster",))
    made = _residents(area, 30, seed=4)
    lines = made["address_line"].to_pylist()
    situation = made["situation"]
    private = [line for line, s in zip(lines, situation, strict=True) if s == households.PRIVATE]
    named = {line.split(", ")[-1].split(" ", 1)[1] for line in private}
    assert named and not named & LONDON_STREETS  # no Mile End Road under a W2 postcode
    assert all(name.split(" ", 1)[0] in streets.WORDS and name.split(" ", 1)[1] in streets.TYPES for name in named)
    # The same LSOA gets the same streets on another run with other people.
    again = _residents(area, 30, seed=5)
    first_lsoa = {
        line.split(", ")[-1].split(" ", 1)[1]
        for line, lsoa in zip(lines, made["lsoa_index"], strict=True)
        if lsoa == 0 and "Room" not in line
    }
    second = {
        line.split(", ")[-1].split(" ", 1)[1]
        for line, lsoa in zip(again["address_line"].to_pylist(), again["lsoa_index"], strict=True)
        if lsoa == 0 and line and "Room" not in line
    }
    assert first_lsoa | second <= set(
        streets.streets_for(
            area.lsoas["lsoa21_code"][0],
            float(area.lsoas["lat"][0]),
            float(area.lsoas["long"][0]),
            float(area.lsoas["area_km2"][0]),
            int(round(area.lsoas["total"][0] / 2.6, -1)),
        ).names
    )


def test_a_household_in_a_private_home_shares_one_door():
    area = load_area(("Westminster",))
    made = _residents(area, 40, seed=6)
    household = np.where(made["situation"] == households.PRIVATE, made["household_id"], -1)
    for hid in np.unique(household[household >= 0])[:200]:
        members = np.flatnonzero(household == hid)
        assert len({(made["lat"][m], made["long"][m]) for m in members}) == 1
        assert len({made["address_line"][int(m)].as_py() for m in members}) == 1
