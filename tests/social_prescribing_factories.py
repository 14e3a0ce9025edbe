"""A link worker team, a colleague elsewhere, a VCSE service with a named person, and a resident
referred to the link worker (through a care referral, as a GP would)."""

from octopus.care import services as care
from octopus.directory.models import Organisation, Practitioner, Team
from tests.security.factories import make_resident


def link_worker_world(make_user) -> dict:
    practice = Organisation.objects.create(name="Church Street Practice", heart="health")
    sp_team = Team.objects.create(organisation=practice, name="Social Prescribing Team", tier="consistent")
    gp_team = Team.objects.create(organisation=practice, name="GP Team", tier="consistent")
    charity = Organisation.objects.create(name="Citizens Advice Westminster", heart="vcse")
    advice = Team.objects.create(organisation=charity, name="Debt Advice", tier="hyper_local")
    befriending_org = Organisation.objects.create(name="Age UK Westminster", heart="vcse")
    befriending = Team.objects.create(organisation=befriending_org, name="Befriending", tier="hyper_local")
    fred = Practitioner.objects.create(given_name="Fred", family_name="Adeyemi", job_title="Debt adviser", team=advice)
    ama = Practitioner.objects.create(
        given_name="Ama", family_name="Boateng", job_title="Befriending lead", team=befriending
    )
    link_worker = make_user(
        "social_prescriber", team=sp_team, username="linkworker", first_name="Lena", last_name="Ward"
    )
    colleague = make_user("social_prescriber", team=sp_team, username="colleague")
    gp = make_user("clinician", team=gp_team, username="gp", first_name="Grace", last_name="Okafor")
    resident = make_resident(given_name="Maria", family_name="Santos", lsoa_code="E01004736")
    care.open_case(resident, gp_team, gp, source="search", holder=gp)
    care.send_referral(
        resident,
        gp,
        to_team=sp_team,
        reason="Lonely since her husband died",
        urgency="routine",
        shared_information="Widowed, lives alone",
        resident_agreed=True,
        preferred_contact="phone",
        sender_team=gp_team,
    )
    return {
        "sp_team": sp_team,
        "gp_team": gp_team,
        "fred": fred,
        "ama": ama,
        "link_worker": link_worker,
        "colleague": colleague,
        "gp": gp,
        "resident": resident,
        "advice": advice,
        "befriending": befriending,
    }
