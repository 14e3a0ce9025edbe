"""A day's walking route as a small map: numbered doors joined in visiting order over the outlines
of their LSOAs, drawn as inline SVG by the server. Pure code, no Django.

Why inline SVG and not the Vega maps (decision 0028): the CHWW's day page is saved on the phone
for use with no signal (decision 0030). Markup inside the page is saved with it and draws with
no script, no tiles and nothing else to fetch, and costs a few kilobytes for a day's dozen doors.
The list beside it remains the way to read the route (the map is marked as an image with a text
alternative); the map shows where the doors are relative to each other and to the LSOA edges.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

WIDTH = 340  # fits a 390 px phone with the page's margins
MIN_SPAN_M = 300.0  # never zoom in further than this across, so two doors next door still read
PADDING = 18


@dataclass(frozen=True)
class Door:
    number: int  # position in the visiting order, from 1
    lat: float
    lon: float


@dataclass(frozen=True)
class Drawing:
    width: int
    height: int
    doors: list[tuple[int, float, float]]  # number, x, y
    path: str  # the route, "x,y x,y ..."
    outlines: list[str]  # LSOA rings, each "x,y x,y ..."
    metres: int  # straight-line legs from the first door to the last


def draw(doors: Sequence[Door], outlines: Sequence[Sequence[tuple[float, float]]] = ()) -> Drawing | None:
    """``outlines`` are rings of (lon, lat) (GeoJSON order); only the part near the doors shows."""
    if not doors:
        return None
    lat0 = sum(d.lat for d in doors) / len(doors)
    kx = math.cos(math.radians(lat0)) * 111_320.0  # metres per degree of longitude here
    ky = 110_574.0  # metres per degree of latitude

    def metres(lon: float, lat: float) -> tuple[float, float]:
        return lon * kx, lat * ky

    points = [metres(d.lon, d.lat) for d in doors]
    xs, ys = [p[0] for p in points], [p[1] for p in points]
    cx, cy = (min(xs) + max(xs)) / 2, (min(ys) + max(ys)) / 2
    span_x = max(max(xs) - min(xs), MIN_SPAN_M)
    span_y = max(max(ys) - min(ys), MIN_SPAN_M * 0.6)
    scale = min((WIDTH - 2 * PADDING) / span_x, 400 / span_y)
    height = int(round(span_y * scale + 2 * PADDING))

    def screen(x: float, y: float) -> tuple[float, float]:
        return round(WIDTH / 2 + (x - cx) * scale, 1), round(height / 2 - (y - cy) * scale, 1)

    placed = [screen(*p) for p in points]
    rings = [" ".join(f"{x},{y}" for x, y in (screen(*metres(lon, lat)) for lon, lat in ring)) for ring in outlines]
    legs = sum(math.dist(points[i], points[i + 1]) for i in range(len(points) - 1))
    return Drawing(
        WIDTH,
        height,
        [(d.number, x, y) for d, (x, y) in zip(doors, placed, strict=True)],
        " ".join(f"{x},{y}" for x, y in placed),
        rings,
        int(round(legs)),
    )


def rings_of(geometry: dict) -> list[list[tuple[float, float]]]:
    """The outer rings of a GeoJSON Polygon or MultiPolygon."""
    if geometry["type"] == "Polygon":
        return [[tuple(p) for p in geometry["coordinates"][0]]]
    if geometry["type"] == "MultiPolygon":
        return [[tuple(p) for p in polygon[0]] for polygon in geometry["coordinates"]]
    return []
