"""The phone's route map (octopus.outreach.route_map): doors in visiting order, to scale, inside
the drawing, with the straight-line length of the legs."""

import pytest

from octopus.outreach.route_map import WIDTH, Door, draw, rings_of


def test_doors_are_drawn_in_visiting_order_to_scale():
    # Three doors 100 m apart going east, then north (1 degree of latitude is about 110.6 km).
    east = 100 / (111_320 * 0.6225)  # cos(51.5°) = 0.6225
    north = 100 / 110_574
    doors = [Door(1, 51.5, -0.17), Door(2, 51.5, -0.17 + east), Door(3, 51.5 + north, -0.17 + east)]
    drawing = draw(doors)
    assert [n for n, _, _ in drawing.doors] == [1, 2, 3]
    (_, x1, y1), (_, x2, y2), (_, x3, y3) = drawing.doors
    assert x2 > x1 and y2 == pytest.approx(y1) and y3 < y2 and x3 == pytest.approx(x2)  # north is up
    assert x2 - x1 == pytest.approx(y2 - y3, rel=0.01)  # the same 100 m each way
    assert drawing.metres == pytest.approx(200, abs=2)
    assert drawing.path.split() == [f"{x},{y}" for _, x, y in drawing.doors]
    assert all(0 <= x <= WIDTH and 0 <= y <= drawing.height for _, x, y in drawing.doors)


def test_no_doors_no_map_and_outlines_from_geojson():
    assert draw([]) is None
    square = {"type": "Polygon", "coordinates": [[[-0.17, 51.5], [-0.16, 51.5], [-0.16, 51.51], [-0.17, 51.5]]]}
    assert rings_of(square) == [[(-0.17, 51.5), (-0.16, 51.5), (-0.16, 51.51), (-0.17, 51.5)]]
    assert len(rings_of({"type": "MultiPolygon", "coordinates": [square["coordinates"], square["coordinates"]]})) == 2
    drawing = draw([Door(1, 51.505, -0.165)], rings_of(square))
    assert len(drawing.outlines) == 1 and drawing.metres == 0
