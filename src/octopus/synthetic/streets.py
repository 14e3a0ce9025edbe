"""Streets for synthetic households: each LSOA gets a handful of short streets with neutral,
generated names, laid inside the LSOA's real 2021 boundary, and its households stand along them.

Why generated names: no open street gazetteer is shipped (OS Open Names would be the source), and
a real name taken from elsewhere puts an East End street under a Westminster postcode. The names
join a common English word (trees, birds, landscape) to a street type ("Alder Mews", "Linnet
Row"); they may match a real street somewhere, but never as a misplaced landmark, and the same
LSOA always gets the same streets (seeded by its code), so chunks and reruns agree.

Why lines inside the boundary: a CHWW's walking route is only as real as the points it visits.
Where the borough's boundary file is shipped (``octopus.reference``, decision 0028), every street
is cut to the LSOA's polygon, so every household point lies inside its LSOA (tested). Where it is
not, the street is a short segment through the LSOA's interior point (also shipped, guaranteed
inside), about a fifth of the LSOA's radius long, so points stay close to that point; ship the
borough's boundaries (``python -m octopus.reference.boundaries``) to make them exact.
"""

from __future__ import annotations

import zlib
from dataclasses import dataclass
from functools import cache

import numpy as np
import shapely

from octopus.reference import REFERENCE_DIR

WORDS = (
    "Alder", "Ash", "Aspen", "Beech", "Birch", "Blackthorn", "Bramble", "Cedar", "Cherry", "Elder",
    "Fern", "Hawthorn", "Hazel", "Heather", "Holly", "Hornbeam", "Ivy", "Juniper", "Larch", "Laurel",
    "Lime", "Linden", "Maple", "Medlar", "Mulberry", "Myrtle", "Poplar", "Quince", "Rowan", "Sorrel",
    "Spindle", "Sycamore", "Tansy", "Teasel", "Walnut", "Willow", "Yarrow", "Yew", "Bittern", "Bunting",
    "Curlew", "Dunlin", "Finch", "Heron", "Kestrel", "Kingfisher", "Lapwing", "Linnet", "Martin",
    "Merlin", "Nightjar", "Plover", "Redstart", "Siskin", "Skylark", "Sparrow", "Starling", "Swift",
    "Thrush", "Wagtail", "Warbler", "Wren", "Brook", "Dell", "Fenn", "Glebe", "Heath", "Meadow",
    "Orchard", "Paddock", "Pond", "Spring", "Well", "Weir", "Copse", "Furrow", "Hollow", "Ridge",
)  # fmt: skip
TYPES = ("Road", "Street", "Place", "Mews", "Row", "Walk", "Gardens", "Terrace", "Close", "Square", "Yard", "Lane")
HOUSEHOLDS_PER_STREET = 60
STREET_M = (120.0, 320.0)  # a short residential street, end to end
DOOR_SPACING_M = 6.0  # a terraced frontage; odd numbers on one side, even on the other
SIDE_OFFSET_M = 6.0  # doors stand back from the street's centre line
M_PER_DEGREE_LAT = 111_320.0


@dataclass(frozen=True)
class Streets:
    names: tuple[str, ...]
    lines: np.ndarray  # shapely LineStrings (lon, lat), one per name
    polygon: object | None  # the LSOA's boundary when shipped


@cache
def _boundaries() -> dict[str, object]:
    """Every shipped LSOA polygon by code (all borough files), prepared for fast containment."""
    import json

    polygons = {}
    for path in sorted(REFERENCE_DIR.glob("lsoa21_boundaries_*.geojson")):
        for feature in json.loads(path.read_text())["features"]:
            # Simplification can leave a ring touching itself; make_valid keeps the same area.
            polygon = shapely.make_valid(shapely.geometry.shape(feature["geometry"]))
            shapely.prepare(polygon)
            polygons[feature["properties"]["code"]] = polygon
    return polygons


def boundary(lsoa_code: str):
    return _boundaries().get(lsoa_code)


def _metres_to_degrees(lat: float) -> tuple[float, float]:
    return 1 / (M_PER_DEGREE_LAT * np.cos(np.radians(lat))), 1 / M_PER_DEGREE_LAT


@cache
def streets_for(lsoa_code: str, lat: float, lon: float, area_km2: float, households: int) -> Streets:
    """The LSOA's streets, the same for every call with the same code (``households`` only sets
    how many streets; it is rounded so neighbouring chunk sizes agree)."""
    rng = np.random.default_rng(zlib.crc32(lsoa_code.encode()))
    count = int(np.clip(round(households / HOUSEHOLDS_PER_STREET), 3, 40))
    words = rng.choice(len(WORDS), size=count, replace=count > len(WORDS))
    types = rng.integers(0, len(TYPES), count)
    names, seen = [], set()
    for w, t in zip(words, types, strict=True):
        name = f"{WORDS[w]} {TYPES[t]}"
        while name in seen:  # one LSOA never has two streets of the same name
            name = f"{WORDS[rng.integers(len(WORDS))]} {TYPES[rng.integers(len(TYPES))]}"
        seen.add(name)
        names.append(name)
    polygon = boundary(lsoa_code)
    dx, dy = _metres_to_degrees(lat)
    lines = []
    for _ in range(count):
        angle = rng.uniform(0, np.pi)
        if polygon is None:
            half = min(STREET_M[1], 0.2 * 1000 * np.sqrt(area_km2 / np.pi)) / 2
            centre = (lon, lat)
        else:
            half = rng.uniform(*STREET_M) / 2
            centre = _interior_point(polygon, rng)
        vx, vy = np.cos(angle) * half * dx, np.sin(angle) * half * dy
        line = shapely.LineString([(centre[0] - vx, centre[1] - vy), (centre[0] + vx, centre[1] + vy)])
        if polygon is not None:
            line = _longest_inside(line, polygon, centre)
        lines.append(line)
    return Streets(tuple(names), np.array(lines, dtype=object), polygon)


def _interior_point(polygon, rng) -> tuple[float, float]:
    minx, miny, maxx, maxy = polygon.bounds
    for _ in range(200):
        x, y = rng.uniform(minx, maxx), rng.uniform(miny, maxy)
        if shapely.contains_xy(polygon, x, y):
            return x, y
    point = polygon.representative_point()
    return point.x, point.y


def _longest_inside(line, polygon, centre):
    inside = line.intersection(polygon)
    parts = [g for g in getattr(inside, "geoms", [inside]) if isinstance(g, shapely.LineString) and not g.is_empty]
    if not parts:  # cannot happen for a centre inside the polygon, but never leave a street outside
        point = polygon.representative_point()
        return shapely.LineString([(point.x, point.y), (point.x, point.y)])
    return max(parts, key=lambda g: g.length)


def place(
    streets: Streets, lat: float, rng: np.random.Generator, n: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """``n`` doors on the LSOA's streets: street index, house number, latitude, longitude.

    Numbers run along the street, odd on one side and even on the other, so neighbours are
    numbered like neighbours. A door set back from the line that would fall outside the LSOA
    (a street along the boundary) stands on the line instead, which is inside."""
    street = rng.integers(0, len(streets.names), n)
    along = rng.uniform(0.02, 0.98, n)  # not the very ends, which touch the boundary
    side = rng.integers(0, 2, n)  # 0: odd numbers, left; 1: even, right
    lines = streets.lines[street]
    points = shapely.line_interpolate_point(lines, along, normalized=True)
    x, y = shapely.get_x(points), shapely.get_y(points)
    ahead = shapely.line_interpolate_point(lines, np.minimum(along + 0.01, 1.0), normalized=True)
    behind = shapely.line_interpolate_point(lines, np.maximum(along - 0.01, 0.0), normalized=True)
    tx, ty = shapely.get_x(ahead) - shapely.get_x(behind), shapely.get_y(ahead) - shapely.get_y(behind)
    dx, dy = _metres_to_degrees(lat)
    # Unit normal in metres, back to degrees; a street of zero length gets no offset.
    mx, my = tx / dx, ty / dy
    norm = np.hypot(mx, my)
    norm[norm == 0] = np.inf
    sign = np.where(side == 0, 1.0, -1.0)
    ox, oy = x - sign * my / norm * SIDE_OFFSET_M * dx, y + sign * mx / norm * SIDE_OFFSET_M * dy
    if streets.polygon is not None:
        keep = shapely.contains_xy(streets.polygon, ox, oy)
        ox, oy = np.where(keep, ox, x), np.where(keep, oy, y)
    length_m = shapely.length(lines) / dy  # near enough: only sets how high the numbers go
    number = 2 * np.floor(along * np.maximum(length_m, DOOR_SPACING_M) / DOOR_SPACING_M).astype(np.int64) + 1 + side
    return street, number, oy, ox
