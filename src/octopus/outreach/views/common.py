"""What the CHWW's and the planner's pages share: the outreach scope and the drawing of a day's
route."""

from octopus.core import maps
from octopus.governance import access

from .. import areas, route_map

OUTREACH_ONLY = frozenset({access.OUTREACH})


def route_drawing(households) -> route_map.Drawing | None:
    """The day's doors in visiting order over their LSOAs' shipped outlines; a household with no
    coordinates of its own stands at its LSOA's shipped interior point. Takes residents' Household
    rows or the planner's ``planning.Household``."""
    doors, codes = [], []
    for number, household in enumerate(households, start=1):
        lat, lon = (
            getattr(household, "latitude", getattr(household, "lat", None)),
            getattr(household, "longitude", getattr(household, "lon", None)),
        )
        household_lsoa = getattr(household, "lsoa_code", getattr(household, "lsoa", ""))
        if lat is None or lon is None:
            found = areas.area(household_lsoa)
            if found is None or found.latitude is None:
                continue
            lat, lon = found.latitude, found.longitude
        doors.append(route_map.Door(number, lat, lon))
        codes.append(household_lsoa)
    boundaries = maps.shipped_boundaries()
    outlines = [
        ring
        for code in dict.fromkeys(codes)
        if code in boundaries
        for ring in route_map.rings_of(boundaries[code]["geometry"])
    ]
    return route_map.draw(doors, outlines)
