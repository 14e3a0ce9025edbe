"""A PCN with two practices and a practice elsewhere, their staff, and residents registered with
each: the shapes the case-finding tests and browser journeys need."""

from octopus.accounts.models import Membership, User
from octopus.directory.models import PCN, GPPractice, Organisation, Team
from octopus.residents.factories import make_resident

SHIELDED = "Clinically vulnerable (shielded-style)"
WELC = "WELC target population"
PASSWORD = "pw-for-tests-only"


def user_in(team, role: str, username: str, **fields) -> User:
    user = User.objects.create_user(username=username, password=PASSWORD, **fields)
    Membership.objects.create(user=user, team=team, role=role)
    return user


def pcn_world() -> dict:
    pcn = PCN.objects.create(code="U99001", name="North Test PCN", sub_icb_code="W2U3Z", icb_code="QRV")
    elsewhere_pcn = PCN.objects.create(code="U99002", name="South Test PCN", sub_icb_code="W2U3Z", icb_code="QRV")
    lisson = GPPractice.objects.create(ods_code="E99001", name="Lisson Grove Practice", postcode="NW8 8EG", pcn=pcn)
    church = GPPractice.objects.create(ods_code="E99002", name="Church Street Practice", postcode="NW8 8EU", pcn=pcn)
    pimlico = GPPractice.objects.create(
        ods_code="E99003", name="Pimlico Practice", postcode="SW1V 1AA", pcn=elsewhere_pcn
    )
    practice_org = Organisation.objects.create(name="Lisson Grove Practice", heart="health", ods_code=lisson.ods_code)
    pcn_org = Organisation.objects.create(name="North Test PCN", heart="health", ods_code=pcn.code)
    practice_team = Team.objects.create(organisation=practice_org, name="Lisson Grove clinical team", tier="consistent")
    pcn_team = Team.objects.create(organisation=pcn_org, name="North Test PCN care coordination", tier="consistent")
    gp = user_in(practice_team, "clinician", "gp-lisson", first_name="Adaeze", last_name="Okafor")
    coordinator = user_in(pcn_team, "care_coordinator", "pcn-coordinator", first_name="Grace", last_name="Mensah")
    return {
        "pcn": pcn,
        "lisson": lisson,
        "church": church,
        "pimlico": pimlico,
        "practice_team": practice_team,
        "pcn_team": pcn_team,
        "gp": gp,
        "coordinator": coordinator,
        "pcn_org": pcn_org,
        "practice_org": practice_org,
    }


def registered(practice, **fields):
    return make_resident(practice_ods_code=practice.ods_code, **fields)
