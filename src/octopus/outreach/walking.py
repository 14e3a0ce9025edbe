"""Walking order for a day's doors. Pure functions, no Django.

With coordinates for every household: nearest neighbour from the first household in street
order (good enough for a dozen doors on foot; not a shortest route), with ties (households at
the same point, such as an LSOA's point when a household has no coordinates of its own) taken
in street order. Without coordinates for all: street by street, house numbers ascending, flats
within a building together.
"""

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass

_NUMBER = re.compile(r"^(\d+)\s*([a-z]?)\b\s*(.*)$", re.IGNORECASE)
_UNIT = re.compile(r"(\d+)")


@dataclass(frozen=True)
class Stop:
    key: object
    address_line: str
    postcode: str = ""
    latitude: float | None = None
    longitude: float | None = None


def street_key(address_line: str, postcode: str = "") -> tuple:
    """Sort key: street, house number, letter, flat number, then the whole line.

    "Flat 3, 12 Church Street" -> ("church street", 12, "", 3, …); "Flat 3, Church Street"
    (a block known by its street) -> ("church street", 0, "", 3, …).
    """
    parts = [p.strip() for p in address_line.split(",") if p.strip()] or [""]
    building = parts[-1]
    number, letter, street = 0, "", building
    match = _NUMBER.match(building)
    if match:
        number, letter, street = int(match[1]), match[2].lower(), match[3] or building
    unit_match = _UNIT.search(parts[0]) if len(parts) > 1 else None
    unit = int(unit_match[1]) if unit_match else 0
    return (street.casefold(), number, letter, unit, postcode.replace(" ", "").upper(), address_line.casefold())


def _distance_km(a: Stop, b: Stop) -> float:
    # Equirectangular approximation: exact enough within a neighbourhood, and cheap.
    x = math.radians(b.longitude - a.longitude) * math.cos(math.radians((a.latitude + b.latitude) / 2))
    y = math.radians(b.latitude - a.latitude)
    return 6371.0 * math.hypot(x, y)


def walking_order(stops: Sequence[Stop]) -> list[Stop]:
    by_street = sorted(stops, key=lambda s: street_key(s.address_line, s.postcode))
    if len(by_street) < 3 or any(s.latitude is None or s.longitude is None for s in by_street):
        return by_street
    route, remaining = [by_street[0]], by_street[1:]
    while remaining:
        here = route[-1]
        # Ties go to street order, so the result does not depend on the input order.
        nearest = min(range(len(remaining)), key=lambda i: (_distance_km(here, remaining[i]), i))
        route.append(remaining.pop(nearest))
    return route
