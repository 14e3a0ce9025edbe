"""Where a search is centred: a postcode district or a neighbourhood as a point, and distances.

A district's point is the mean position of the GP practices with a postcode in it (NHS Digital's
practice list, geocoded; `reference/london_gp_practices.csv`): every district where people live has
practices, and the file is already shipped. A district like "W1" without its sub-letter stands for
W1A…W1W together. A neighbourhood's point is the mean of its LSOAs' points.
"""

from __future__ import annotations

import csv
import math
from collections import defaultdict
from dataclasses import dataclass
from functools import lru_cache

from .geography import PRACTICE_FILE
from .models import Neighbourhood, postcode_district

EARTH_RADIUS_KM = 6371.0088  # mean radius (IUGG)


@dataclass(frozen=True)
class Place:
    label: str
    latitude: float
    longitude: float


def distance_km(a_lat: float, a_lon: float, b_lat: float, b_lon: float) -> float:
    """Great-circle (haversine) distance: within metres of the true distance across a city."""
    phi1, phi2 = math.radians(a_lat), math.radians(b_lat)
    d_phi, d_lambda = phi2 - phi1, math.radians(b_lon - a_lon)
    h = math.sin(d_phi / 2) ** 2 + math.cos(phi1) * math.cos(phi2) * math.sin(d_lambda / 2) ** 2
    return 2 * EARTH_RADIUS_KM * math.asin(math.sqrt(h))


@lru_cache(maxsize=1)
def _practice_points() -> dict[str, list[tuple[float, float]]]:
    points: dict[str, list[tuple[float, float]]] = defaultdict(list)
    with open(PRACTICE_FILE, newline="", encoding="utf-8") as file:
        for row in csv.DictReader(file):
            district = postcode_district(row["practice_postcode"])
            if district and row["latitude"] and row["longitude"]:
                points[district].append((float(row["latitude"]), float(row["longitude"])))
    return dict(points)


def _mean(points) -> tuple[float, float] | None:
    points = list(points)
    if not points:
        return None
    return sum(p[0] for p in points) / len(points), sum(p[1] for p in points) / len(points)


def district_place(district: str) -> Place | None:
    district = district.upper()
    known = _practice_points()
    points = known.get(district) or [
        point for name, found in known.items() if name[:-1] == district and name[-1].isalpha() for point in found
    ]
    centre = _mean(points)
    return Place(district, *centre) if centre else None


def neighbourhood_place(neighbourhood: Neighbourhood) -> Place | None:
    centre = _mean(neighbourhood.lsoas.exclude(latitude=None).values_list("latitude", "longitude"))
    return Place(neighbourhood.name, *centre) if centre else None
