"""Meetings and outreach over the JSON API: the pages' rules (series membership and the
confidentiality agreement; a CHWW's own active allocations) and their services."""

import pytest

from octopus.governance.consent import record_consent
from octopus.governance.models import AuditEvent
from octopus.meetings import services as meetings
from octopus.outreach.models import Visit
from octopus.residents.factories import make_resident
from tests.meetings_factories import make_series
from tests.outreach_factories import church_street
from tests.security.factories import relate  # noqa: F401

# `clock`: meetings and rounds are reckoned from today.
pytestmark = [pytest.mark.django_db, pytest.mark.clock]


@pytest.fixture
def discussed(make_user, relate):
    world = make_series(make_user)
    resident = make_resident(given_name="Grace", family_name="Hopper")
    gp = world["gp"]
    relate(gp, resident)
    meetings.confirm_confidentiality(world["series"], gp)
    record_consent(actor=None, resident=resident, kind="discuss_at_mdt", status="given")
    entry = meetings.add_resident(world["meeting"], resident, gp, "Falls")
    meetings.put_on_agenda(entry, gp)
    return {**world, "resident": resident, "entry": entry}


def test_worklist_for_members_who_agreed_with_each_resident_audited(client, discussed):
    client.force_login(discussed["gp"])
    response = client.get(f"/api/meetings/{discussed['meeting'].pk}/worklist")
    assert response.status_code == 200
    [entry] = response.json()
    assert entry["resident"]["person_id"] == discussed["resident"].person_id and entry["reasons"] == [
        "Added by Adaeze Okafor: Falls"
    ]
    assert (
        AuditEvent.objects.filter(resident_id=discussed["resident"].person_id, summary__contains="via API").count() == 1
    )


def test_worklist_refused_before_the_confidentiality_agreement(client, discussed):
    client.force_login(discussed["matron"])  # a member who has not agreed
    assert client.get(f"/api/meetings/{discussed['meeting'].pk}/worklist").status_code == 403


def test_outcome_recorded_through_the_meetings_service(client, discussed):
    client.force_login(discussed["gp"])
    url = f"/api/meetings/entries/{discussed['entry'].pk}/outcome"
    response = client.post(
        url, {"summary": "Two falls since March", "decisions": "Falls clinic"}, content_type="application/json"
    )
    assert response.status_code == 200, response.content
    assert response.json()["status"] == "discussed"
    assert client.get(url).json()["decisions"] == "Falls clinic"
    assert AuditEvent.objects.filter(action="change", resident_id=discussed["resident"].person_id).exists()


def test_outcome_of_another_series_is_404(client, make_user, discussed):
    client.force_login(make_user("clinician"))
    assert client.get(f"/api/meetings/entries/{discussed['entry'].pk}/outcome").status_code == 404


def test_chww_lists_her_households_and_records_a_visit(client, make_user):
    street = church_street(make_user)
    client.force_login(street["chww"])
    listed = client.get("/api/outreach/households").json()
    assert sorted(h["address"] for h in listed) == ["12 Church Street", "3 Church Street"]
    allocation = street["first"]
    body = {"outcome": "spoke", "spoke_with": street["older"].person_id, "note": "Would like a befriender"}
    response = client.post(f"/api/outreach/households/{allocation.pk}/visits", body, content_type="application/json")
    assert response.status_code == 201, response.content
    assert Visit.objects.get().spoke_with == street["older"]
    wrong = client.post(
        f"/api/outreach/households/{allocation.pk}/visits",
        {"outcome": "spoke", "spoke_with": street["neighbour"].person_id},
        content_type="application/json",
    )
    assert wrong.status_code == 422 and "spoke_with" in wrong.json()["detail"]


def test_another_chwws_household_is_404(client, make_user):
    street = church_street(make_user)
    client.force_login(make_user("chww"))
    response = client.post(
        f"/api/outreach/households/{street['first'].pk}/visits",
        {"outcome": "no_answer"},
        content_type="application/json",
    )
    assert response.status_code == 404
