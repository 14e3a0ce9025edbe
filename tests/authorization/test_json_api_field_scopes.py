"""The JSON API's withheld fields beyond residents and the caseload (issue #15): tasks, referrals,
check-ins, a meeting's worklist and a discussion's outcome, and a CHWW's households.

Their schemas name the resident (person id and name) and carry the work itself; none carries a
snapshot field (band, probability, segment, conditions, frailty, cohorts, rising-risk reason), a
partner's event detail, or contact details and NHS number. Each endpoint is read by a user in the
full scope and one in the no-clinical scope (as on the pages), and every withheld value of a
resident who has them all is checked absent from the whole response, not only from its keys.
"""

import pytest
from django.utils import timezone

from octopus.care import services as care
from octopus.governance import access
from octopus.governance.consent import record_consent
from octopus.meetings import services as meetings
from tests.meetings_factories import make_series
from tests.outreach_factories import church_street

from .test_field_scopes import CLINICAL_TEXT, EVENT_DETAIL, FULL, NO_CLINICAL, _text, resident  # noqa: F401

pytestmark = [pytest.mark.django_db, pytest.mark.clock]

SCOPES = [("clinician", FULL), ("social_prescriber", NO_CLINICAL), ("vcse_worker", NO_CLINICAL)]
IDS = [role for role, _ in SCOPES]


def _withheld(resident) -> list[str]:
    """Values no scope sees through these endpoints: the snapshot, event detail, contact, identifiers."""
    return [
        *CLINICAL_TEXT,
        "0.4321",
        EVENT_DETAIL,
        resident.nhs_number,
        resident.phone,
        resident.email,
        resident.date_of_birth.isoformat(),
    ]


def _assert_named_and_nothing_withheld(body: str, resident, where: str):
    assert resident.person_id in body and resident.name in body, f"{where}: the resident is not named"
    shown = [value for value in _withheld(resident) if value and value in body]
    assert not shown, f"{where}: withheld values sent: {shown}"


def _user(make_user, relate, resident, role, team=None):
    user = make_user(role, team=team)
    relate(user, resident)
    return user


@pytest.mark.parametrize(("role", "scope"), SCOPES, ids=IDS)
def test_task_inbox_names_the_resident_and_nothing_else_about_them(client, make_user, relate, resident, role, scope):
    user = _user(make_user, relate, resident, role)
    assert access.record_scope(user, resident) == scope
    care.create_task(user, "Phone Marigold about her appointment", timezone.localdate(), resident=resident)
    client.force_login(user)
    body = _text(client.get("/api/care/tasks"))
    assert "Phone Marigold" in body
    _assert_named_and_nothing_withheld(body, resident, "task inbox")
    task_id = client.get("/api/care/tasks").json()["items"][0]["id"]
    done = client.post(f"/api/care/tasks/{task_id}/done")
    _assert_named_and_nothing_withheld(_text(done), resident, "task done")


@pytest.mark.parametrize(("role", "scope"), SCOPES, ids=IDS)
def test_referral_shows_what_the_resident_agreed_to_share_and_no_snapshot_field(
    client, make_user, relate, resident, role, scope
):
    from octopus.directory.models import Organisation, Team

    organisation = Organisation.objects.create(name="Receiving Organisation", heart="community")
    team = Team.objects.create(
        organisation=organisation, name="Receiving Team", tier="consistent", accepts_referrals=True
    )
    sender = _user(make_user, relate, resident, "clinician")
    receiver = _user(make_user, relate, resident, role, team=team)
    assert access.record_scope(receiver, resident) == scope
    sent = care.send_referral(
        resident,
        sender,
        to_team=team,
        reason="Lonely since her husband died",
        urgency="soon",
        shared_information="Agreed to share: lives alone",
        resident_agreed=True,
        preferred_contact="phone",
    )
    client.force_login(receiver)
    for where, url in (("incoming referrals", "/api/care/referrals"), ("referral", f"/api/care/referrals/{sent.pk}")):
        body = _text(client.get(url))
        assert "Agreed to share: lives alone" in body and "Lonely since her husband died" in body
        _assert_named_and_nothing_withheld(body, resident, where)


@pytest.mark.parametrize(("role", "scope"), SCOPES, ids=IDS)
def test_check_ins_name_the_resident_and_nothing_else_about_them(client, make_user, relate, resident, role, scope):
    from octopus.directory.models import Organisation

    user = _user(make_user, relate, resident, role)
    organisation = Organisation.objects.get(name="Test Organisation")
    care.schedule_check_ins(
        resident, organisation=organisation, first_due=timezone.localdate(), count=2, every_days=7, actor=user
    )
    client.force_login(user)
    body = _text(client.get(f"/api/care/residents/{resident.person_id}/check-ins"))
    assert body.count("Test Organisation") == 2
    _assert_named_and_nothing_withheld(body, resident, "check-ins")
    check_in_id = client.get(f"/api/care/residents/{resident.person_id}/check-ins").json()["items"][0]["id"]
    answered = client.post(
        f"/api/care/check-ins/{check_in_id}/outcome",
        {"status": "done", "note": "Well today"},
        content_type="application/json",
    )
    _assert_named_and_nothing_withheld(_text(answered), resident, "check-in outcome")


@pytest.mark.parametrize(
    ("role", "scope"), [("clinician", FULL), ("social_prescriber", NO_CLINICAL)], ids=["clinician", "social_prescriber"]
)
def test_worklist_and_outcome_carry_the_discussion_never_the_snapshot_or_event_detail(
    client, make_user, relate, resident, role, scope
):
    world = make_series(make_user)
    user = _user(make_user, relate, resident, role, team=world["team"])
    assert access.record_scope(user, resident) == scope
    meetings.confirm_confidentiality(world["series"], user)
    record_consent(actor=None, resident=resident, kind="discuss_at_mdt", status="given")
    entry = meetings.add_resident(world["meeting"], resident, world["gp"], "Falls")
    meetings.put_on_agenda(entry, world["gp"])
    client.force_login(user)
    body = _text(client.get(f"/api/meetings/{world['meeting'].pk}/worklist"))
    assert "Added by Adaeze Okafor: Falls" in body
    _assert_named_and_nothing_withheld(body, resident, "meeting worklist")
    url = f"/api/meetings/entries/{entry.pk}/outcome"
    recorded = client.post(
        url, {"summary": "Two falls since March", "decisions": "Falls clinic"}, content_type="application/json"
    )
    _assert_named_and_nothing_withheld(_text(recorded), resident, "outcome recorded")
    body = _text(client.get(url))
    assert "Two falls since March" in body and "Falls clinic" in body
    _assert_named_and_nothing_withheld(body, resident, "outcome")


def test_chww_households_carry_addresses_and_no_resident_at_all(client, make_user):
    street = church_street(make_user)
    client.force_login(street["chww"])
    body = _text(client.get("/api/outreach/households"))
    assert "12 Church Street" in body and "3 Church Street" in body
    for person in (street["older"], street["younger"], street["neighbour"]):
        shown = [
            value
            for value in (
                person.person_id,
                person.given_name,
                person.family_name,
                person.nhs_number,
                person.phone,
                person.email,
                person.main_language,
                person.date_of_birth.isoformat(),
            )
            if value and value in body
        ]
        assert not shown, f"households: resident values sent: {shown}"
    for value in ("Bowel cancer screening", "Diabetes care processes", "housebound"):
        assert value not in body
