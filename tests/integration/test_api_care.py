"""The care endpoints of the JSON API: the same services, access point and audit as the pages,
and a care plan change refused (409/412) when it began from a stale version."""

import datetime as dt

import pytest
from django.utils import timezone

from octopus.care import services as care
from octopus.directory.models import Organisation, Team
from octopus.governance.models import AuditEvent
from octopus.residents.factories import make_resident
from tests.security.factories import relate  # noqa: F401

pytestmark = pytest.mark.django_db


@pytest.fixture
def nurse(make_user):
    return make_user("clinician")


@pytest.fixture
def resident(nurse, relate):
    resident = make_resident(given_name="Ada", family_name="Lovelace")
    relate(nurse, resident)
    return resident


@pytest.fixture
def team():
    organisation = Organisation.objects.create(name="Age UK Westminster", heart="vcse")
    return Team.objects.create(
        organisation=organisation, name="Befriending", tier="hyper_local", accepts_referrals=True
    )


def _views(resident) -> int:
    return AuditEvent.objects.filter(resident_id=resident.person_id, action="view").count()


def test_care_plan_read_carries_version_as_etag_and_is_audited(client, nurse, resident):
    care.start_plan(resident, nurse)
    client.force_login(nurse)
    response = client.get(f"/api/care/residents/{resident.person_id}/plan")
    assert response.status_code == 200 and response.json()["version"] == 1
    assert response["ETag"] == 'W/"1"'
    assert _views(resident) == 1


def test_care_plan_change_from_the_current_version_is_saved(client, nurse, resident):
    care.start_plan(resident, nurse)
    client.force_login(nurse)
    body = {
        "version": 1,
        "what_matters": "Staying at home",
        "goals": [{"description": "Walk to the shops"}],
        "needs": {},
    }
    response = client.put(f"/api/care/residents/{resident.person_id}/plan", body, content_type="application/json")
    assert response.status_code == 200, response.content
    assert response.json()["version"] == 2 and response.json()["goals"] == [
        {"description": "Walk to the shops", "status": "active"}
    ]


def test_care_plan_change_from_a_stale_version_is_409_and_overwrites_nothing(client, nurse, resident):
    plan = care.start_plan(resident, nurse)
    care.save_plan(
        plan,
        nurse,
        expected_version=1,
        what_matters="Theirs",
        goals=[],
        needs={},
        lead_professional=None,
        review_date=None,
    )
    client.force_login(nurse)
    response = client.put(
        f"/api/care/residents/{resident.person_id}/plan",
        {"version": 1, "what_matters": "Mine"},
        content_type="application/json",
    )
    assert response.status_code == 409 and response.json()["current_version"] == 2
    plan.refresh_from_db()
    assert plan.what_matters == "Theirs"


def test_care_plan_change_with_a_stale_if_match_is_412(client, nurse, resident):
    plan = care.start_plan(resident, nurse)
    care.save_plan(
        plan,
        nurse,
        expected_version=1,
        what_matters="Theirs",
        goals=[],
        needs={},
        lead_professional=None,
        review_date=None,
    )
    client.force_login(nurse)
    response = client.put(
        f"/api/care/residents/{resident.person_id}/plan",
        {"version": 2, "what_matters": "Mine"},
        content_type="application/json",
        headers={"If-Match": 'W/"1"'},
    )
    assert response.status_code == 412


def test_care_plan_of_an_unrelated_resident_is_403(client, make_user, resident):
    client.force_login(make_user("clinician"))
    assert client.get(f"/api/care/residents/{resident.person_id}/plan").status_code == 403
    assert (
        client.put(
            f"/api/care/residents/{resident.person_id}/plan", {"version": 1}, content_type="application/json"
        ).status_code
        == 403
    )


def test_referral_sent_through_the_service_and_listed_for_the_receiver(client, nurse, resident, team, make_user):
    client.force_login(nurse)
    body = {
        "person_id": resident.person_id,
        "to_team_id": team.pk,
        "reason": "Lonely since her husband died",
        "urgency": "routine",
        "shared_information": "Name and phone",
        "resident_agreed": True,
        "preferred_contact": "phone",
    }
    response = client.post("/api/care/referrals", body, content_type="application/json")
    assert response.status_code == 201, response.content
    sent = response.json()
    assert sent["status"] == "sent" and sent["kind"] == "referral"
    assert AuditEvent.objects.filter(action="create", resident_id=resident.person_id).exists()
    receiver = make_user("social_prescriber", team=team)
    client.force_login(receiver)
    [incoming] = client.get("/api/care/referrals").json()["items"]
    assert incoming["id"] == sent["id"] and "accept" in incoming["available_actions"]
    accepted = client.post(
        f"/api/care/referrals/{sent['id']}/accept", {"note": "Will call"}, content_type="application/json"
    )
    assert accepted.status_code == 200 and accepted.json()["status"] == "accepted"


def test_referral_refused_by_the_service_is_422_naming_the_field(client, nurse, resident, team):
    client.force_login(nurse)
    body = {
        "person_id": resident.person_id,
        "to_team_id": team.pk,
        "reason": "x",
        "urgency": "routine",
        "shared_information": "Name",
        "resident_agreed": False,
        "preferred_contact": "phone",
    }
    response = client.post("/api/care/referrals", body, content_type="application/json")
    assert response.status_code == 422 and "resident_agreed" in response.json()["detail"]


def test_referral_of_another_team_is_404(client, make_user, nurse, resident, team):
    sent = care.send_referral(
        resident,
        nurse,
        to_team=team,
        reason="Falls",
        urgency="routine",
        shared_information="Name",
        resident_agreed=True,
        preferred_contact="phone",
    )
    client.force_login(make_user("clinician"))
    assert client.get(f"/api/care/referrals/{sent.pk}").status_code == 404


def test_caseload_lists_the_teams_cases_and_audits_each_resident_named(client, nurse, resident):
    care.open_case(resident, nurse.memberships.get().team, nurse, source="search")
    client.force_login(nurse)
    body = client.get("/api/care/caseload").json()
    assert [c["resident"]["person_id"] for c in body["items"]] == [resident.person_id]
    assert (
        AuditEvent.objects.filter(resident_id=resident.person_id, action="view", summary__contains="caseload").count()
        == 1
    )


def test_tasks_list_and_done(client, nurse, resident):
    task = care.create_task(nurse, "Call the family", timezone.localdate(), resident=resident)
    client.force_login(nurse)
    assert [t["id"] for t in client.get("/api/care/tasks").json()["items"]] == [task.pk]
    assert client.post(f"/api/care/tasks/{task.pk}/done").status_code == 200
    assert client.get("/api/care/tasks").json()["items"] == []


def test_check_in_outcome_through_the_service(client, nurse, resident):
    organisation = nurse.memberships.get().team.organisation
    [check_in] = care.schedule_check_ins(
        resident, organisation=organisation, first_due=timezone.localdate() + dt.timedelta(days=1), count=1, actor=nurse
    )
    client.force_login(nurse)
    listed = client.get(f"/api/care/residents/{resident.person_id}/check-ins").json()["items"]
    assert [c["id"] for c in listed] == [check_in.pk]
    response = client.post(
        f"/api/care/check-ins/{check_in.pk}/outcome",
        {"status": "done", "note": "Well"},
        content_type="application/json",
    )
    assert response.status_code == 200 and response.json()["check_in"]["status"] == "done"
    again = client.post(
        f"/api/care/check-ins/{check_in.pk}/outcome", {"status": "done"}, content_type="application/json"
    )
    assert again.status_code == 404


def test_check_ins_scheduled_through_the_service(client, nurse, resident):
    organisation = nurse.memberships.get().team.organisation
    client.force_login(nurse)
    body = {
        "organisation_id": organisation.pk,
        "first_due": (timezone.localdate() + dt.timedelta(days=7)).isoformat(),
        "count": 3,
    }
    response = client.post(f"/api/care/residents/{resident.person_id}/check-ins", body, content_type="application/json")
    assert response.status_code == 201, response.content
    assert len(response.json()) == 3 and {c["organisation"] for c in response.json()} == {organisation.name}
    assert AuditEvent.objects.filter(action="create", resident_id=resident.person_id).exists()


def test_second_open_referral_to_the_same_team_needs_send_anyway(client, nurse, resident, team):
    client.force_login(nurse)
    body = {
        "person_id": resident.person_id,
        "to_team_id": team.pk,
        "reason": "Lonely",
        "urgency": "routine",
        "shared_information": "Name and phone",
        "resident_agreed": True,
        "preferred_contact": "phone",
    }
    assert client.post("/api/care/referrals", body, content_type="application/json").status_code == 201
    again = client.post("/api/care/referrals", body, content_type="application/json")
    assert again.status_code == 422
    assert (
        client.post("/api/care/referrals", {**body, "send_anyway": True}, content_type="application/json").status_code
        == 201
    )
