"""Demo meetings for the Westminster neighbourhood: the weekly INC of the North Westminster PCN,
a twice-weekly huddle and one care-home MDT. Safe to run twice."""

import datetime as dt

from django.db import transaction
from django.utils import timezone

from octopus.core.formatting import place_name
from octopus.directory.models import PCN, GPPractice, Neighbourhood, Team

from . import services
from .models import MeetingSeries

INC = "North Westminster PCN integrated care conference"
HUDDLE = "North Westminster complex care huddle"
CARE_HOME_MDT = "Garside care-home MDT"


def _next(weekday: int, hour: int) -> dt.datetime:
    today = timezone.localdate()
    day = today + dt.timedelta(days=(weekday - today.weekday()) % 7 or 7)
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hour, 0)))


def _series(name: str, **fields) -> MeetingSeries:
    existing = MeetingSeries.objects.filter(name=name).first()
    return existing or services.create_series(None, name=name, **fields)


@transaction.atomic
def seed(users_by_username: dict) -> list[MeetingSeries]:
    gp, matron, coordinator = (users_by_username.get(u) for u in ("gp", "matron", "coordinator"))
    neighbourhood = Neighbourhood.objects.filter(slug="westminster").first()
    team = Team.objects.get(name="Westminster INT Core Team")
    pcn = PCN.objects.filter(code="U12548").first()
    scope = {"pcn": pcn} if pcn else {"neighbourhood": neighbourhood}
    members = [
        (u, role) for u, role in ((gp, "GP"), (matron, "Community matron"), (coordinator, "INT care coordinator")) if u
    ]
    practices = [place_name(p.name) for p in GPPractice.objects.filter(pcn=pcn)[:3]] if pcn else []
    inc = _series(
        INC,
        kind="inc",
        team=team,
        timetable=services.Timetable((3,), dt.time(13, 0), 120),
        worklist="inc",
        locations="\n".join(practices or ["Lisson Grove Health Centre"]),
        members=members,
        **scope,
    )
    huddle = _series(
        HUDDLE,
        kind="huddle",
        team=team,
        timetable=services.Timetable((1, 4), dt.time(9, 0), 30),
        worklist="huddle",
        locations="Video call",
        members=members,
        neighbourhood=neighbourhood,
    )
    home = services.register_care_home(
        None,
        name="Garside",
        kind="nursing",
        provider="Sanctuary",
        beds=40,
        lead_gp=gp,
        practice=GPPractice.objects.filter(pcn=pcn).first() if pcn else None,
    )
    mdt = _series(
        CARE_HOME_MDT,
        kind="care_home_mdt",
        team=team,
        worklist="care_home_mdt",
        timetable=services.Timetable((0,), dt.time(14, 0), 90, frequency="monthly"),
        locations="Garside",
        members=[m for m in members if m[1] != "INT care coordinator"],
        care_home=home,
    )
    for series, when in ((inc, _next(3, 13)), (huddle, _next(1, 9)), (mdt, _next(0, 14))):
        if not series.meetings.filter(status__in=["planned", "published"]).exists():
            services.schedule_meeting(series, None, when)
    return [inc, huddle, mdt]
