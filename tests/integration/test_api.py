import datetime as dt

import pytest
from django.db.models import Q

from octopus.governance import access
from octopus.governance.models import AuditEvent
from octopus.residents.models import Resident

pytestmark = pytest.mark.django_db


@pytest.fixture
def related_resident():
    """A resident related to every user named 'related*' through a test-only provider."""
    resident = Resident.objects.create(
        person_id="P000000000001",
        nhs_number="9434765919",
        given_name="Ada",
        family_name="Lovelace",
        date_of_birth=dt.date(1950, 12, 10),
        postcode="W2 1AA",
        risk_band="very_high",
    )
    Resident.objects.create(person_id="P000000000002", given_name="Ben", family_name="Other")
    access.register("test_link", "Test relationship")(
        lambda user: Q(person_id="P000000000001") if user.username.startswith("related") else Q(pk__in=[])
    )
    yield resident
    access._KINDS.pop("test_link", None)


def test_api_without_session_is_401(client):
    assert client.get("/api/me").status_code == 401


def test_api_me_lists_roles(client, make_user):
    client.force_login(make_user("analyst"))
    body = client.get("/api/me").json()
    assert body["roles"] == ["analyst"]
    assert "view_residents" not in body["capabilities"]


def test_api_directory_lists_practitioners(client, make_user, demo_directory):
    client.force_login(make_user("clinician"))
    body = client.get("/api/directory/practitioners", {"q": "Adeyemi"}).json()
    assert body["count"] == 1
    assert body["items"][0]["organisation"] == "Citizens Advice Westminster"


def test_api_residents_refused_to_analyst(client, make_user, related_resident):
    client.force_login(make_user("analyst", username="related-analyst"))
    assert client.get("/api/residents/").status_code == 403
    assert client.get(f"/api/residents/{related_resident.person_id}").status_code == 403


def test_api_resident_search_only_returns_related(client, make_user, related_resident):
    client.force_login(make_user("clinician", username="related-gp"))
    body = client.get("/api/residents/").json()
    assert [r["person_id"] for r in body["items"]] == ["P000000000001"]


def test_api_resident_detail_is_audited_with_basis(client, make_user, related_resident):
    user = make_user("clinician", username="related-gp")
    client.force_login(user)
    response = client.get(f"/api/residents/{related_resident.person_id}")
    assert response.status_code == 200
    assert response.json()["access_basis"] == "Test relationship"
    event = AuditEvent.objects.get(action="view", resident_id=related_resident.person_id)
    assert event.username == "related-gp" and event.basis == "Test relationship"


def test_api_unrelated_resident_is_403(client, make_user, related_resident):
    client.force_login(make_user("clinician", username="unrelated-gp"))
    assert client.get(f"/api/residents/{related_resident.person_id}").status_code == 403
    assert client.get("/api/residents/P000000000002").status_code == 403


def test_openapi_schema_served(client, make_user):
    client.force_login(make_user("clinician"))
    schema = client.get("/api/openapi.json").json()
    assert "/api/residents/{person_id}" in schema["paths"]


def test_api_pagination_out_of_range_is_refused_not_a_server_error(client, make_user):
    client.force_login(make_user("clinician"))
    response = client.get("/api/directory/organisations", {"offset": 2**70, "limit": 10})
    assert response.status_code == 422
    assert client.get("/api/directory/organisations", {"limit": 10_000}).status_code == 422
