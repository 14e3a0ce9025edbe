"""A small neighbourhood with a meeting series, for meetings tests."""

import datetime as dt

from django.utils import timezone

from octopus.directory.models import PCN, GPPractice, Neighbourhood, Organisation, Team
from octopus.meetings import config, services


def make_series(make_user, *, worklist="inc", ods_code="E87711"):
    organisation, _ = Organisation.objects.get_or_create(name="Healthcare Central London", defaults={"heart": "health"})
    team, _ = Team.objects.get_or_create(organisation=organisation, name="INC Team", defaults={"tier": "consistent"})
    pcn, _ = PCN.objects.get_or_create(
        code="U12548", defaults={"name": "Regent Health PCN", "sub_icb_code": "W2U3Z", "icb_code": "QRV"}
    )
    practice, _ = GPPractice.objects.get_or_create(
        ods_code=ods_code, defaults={"name": "Church Street Practice", "postcode": "NW8 8EU", "pcn": pcn}
    )
    neighbourhood, _ = Neighbourhood.objects.get_or_create(
        slug="north-westminster", defaults={"name": "North Westminster", "borough_name": "Westminster"}
    )
    neighbourhood.practices.add(practice)
    gp = make_user("clinician", team=team, username="gp-test", first_name="Adaeze", last_name="Okafor")
    matron = make_user("clinician", team=team, username="matron-test", first_name="Lucia", last_name="Reyes")
    series = services.create_series(
        None,
        name="North Westminster INC",
        kind="inc",
        team=team,
        schedule="Thursdays 13:00",
        worklist=worklist,
        neighbourhood=neighbourhood,
        locations="Lisson Grove Health Centre\nPaddington Green Health Centre",
        members=[(gp, "GP"), (matron, "Community matron")],
    )
    meeting = services.schedule_meeting(series, None, timezone.now() + dt.timedelta(days=2))
    return {
        "series": series,
        "meeting": meeting,
        "team": team,
        "gp": gp,
        "matron": matron,
        "neighbourhood": neighbourhood,
    }


def with_limits(monkeypatch, **limits):
    """The shipped meetings.yaml with other per-source limits (None: no limit)."""
    settings = config.settings()
    sources = {
        code: s.model_copy(update={"limit": limits[code]}) if code in limits else s
        for code, s in settings.sources.items()
    }
    monkeypatch.setattr(config, "settings", lambda: settings.model_copy(update={"sources": sources}))
