"""A drop-in at Church Street Library: a CHWW and a VCSE worker present, a colleague who was not,
a planner, an analyst, and a named person at Citizens Advice to introduce attendees to."""

import datetime as dt

from octopus.community import services
from octopus.directory.models import LSOA, Location, Organisation, Practitioner, Team

HELD_ON = dt.date(2026, 11, 10)


def library(make_user, *, held_on: dt.date = HELD_ON):
    LSOA.objects.get_or_create(
        code="E01004694",
        defaults={
            "name": "Westminster 018B",
            "msoa_code": "E02000977",
            "msoa_name": "Church Street",
            "ward_code": "E05013803",
            "ward_name": "Church Street",
            "borough_code": "E09000033",
            "borough_name": "Westminster",
            "latitude": 51.5226,
            "longitude": -0.1705,
        },
    )
    location, _ = Location.objects.get_or_create(
        name="Church Street Library",
        defaults={"address_1": "Church Street", "postal_code": "NW8 8EU", "latitude": 51.5227, "longitude": -0.1707},
    )
    council, _ = Organisation.objects.get_or_create(
        name="Westminster City Council", defaults={"heart": "local_authority"}
    )
    advice, _ = Organisation.objects.get_or_create(name="Citizens Advice Westminster", defaults={"heart": "vcse"})
    team, _ = Team.objects.get_or_create(organisation=advice, name="Debt advice", defaults={"tier": "tailored"})
    fred, _ = Practitioner.objects.get_or_create(
        given_name="Fred", family_name="Adeyemi", team=team, defaults={"job_title": "Debt adviser"}
    )
    chww = make_user("chww", first_name="Amina", last_name="Hassan")
    vcse = make_user("vcse_worker", first_name="Grace", last_name="Obi")
    absent = make_user("chww", first_name="Tom", last_name="Reid")
    planner = make_user("int_manager", first_name="Helen", last_name="Clarke")
    analyst = make_user("analyst", first_name="Priya", last_name="Nair")
    session = services.create_session(
        planner,
        location=location,
        title="Money and housing drop-in",
        held_on=held_on,
        starts_at=dt.time(10),
        ends_at=dt.time(12),
        run_by=council,
        partners=[advice],
        staff=[chww, vcse],
    )
    return {
        "session": session,
        "location": location,
        "council": council,
        "advice": advice,
        "team": team,
        "fred": fred,
        "chww": chww,
        "vcse": vcse,
        "absent": absent,
        "planner": planner,
        "analyst": analyst,
    }
