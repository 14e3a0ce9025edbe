"""Directory pages through the test client: who may see and change what, and what search finds."""

import pytest
from django.forms.models import model_to_dict
from django.urls import reverse

from octopus.directory.forms import ServiceForm
from octopus.directory.models import Organisation, Practitioner, Service, Team
from octopus.governance.models import AuditEvent

pytestmark = pytest.mark.django_db

VIEWING_ROLES = [
    "clinician",
    "care_coordinator",
    "social_worker",
    "social_prescriber",
    "chww",
    "vcse_worker",
    "analyst",
    "int_manager",
    "ig_lead",
    "system_admin",
]


@pytest.fixture
def debt_service(demo_directory):
    return Service.objects.get(name="Debt advice")


def _pages(service):
    fred = Practitioner.objects.get(family_name="Adeyemi")
    return [
        reverse("directory:index"),
        reverse("directory:index") + "?q=debt+advice+near+W2",
        reverse("directory:service", args=[service.pk]),
        reverse("directory:organisation", args=[service.organisation_id]),
        reverse("directory:team", args=[service.team_id]),
        reverse("directory:practitioner", args=[fred.pk]),
        reverse("directory:neighbourhoods"),
        reverse("directory:neighbourhood", args=["westminster"]),
        reverse("directory:practice", args=["E87008"]),
    ]


@pytest.mark.parametrize("role", VIEWING_ROLES)
def test_directory_pages_open_for_every_role_with_view_directory(client, make_user, debt_service, role):
    client.force_login(make_user(role))
    for path in _pages(debt_service):
        assert client.get(path).status_code == 200, path


def test_directory_pages_refused_without_sign_in(client, debt_service):
    for path in _pages(debt_service):
        assert client.get(path).status_code == 302


def test_search_debt_advice_near_w2_finds_fred_at_citizens_advice(client, make_user, demo_directory):
    client.force_login(make_user("social_prescriber"))
    page = client.get(reverse("directory:index"), {"q": "debt advice near W2"}).content.decode()
    assert "Debt advice" in page and "Citizens Advice Westminster" in page and "Fred Adeyemi" in page
    assert "District nursing" not in page


def test_search_in_place_returns_only_results_for_htmx(client, make_user, demo_directory):
    client.force_login(make_user("clinician"))
    response = client.get(reverse("directory:index"), {"q": "Fred", "kind": "people"}, headers={"HX-Request": "true"})
    body = response.content.decode()
    assert "Fred Adeyemi" in body and "<html" not in body


def test_search_filters_by_heart_and_tier(client, make_user, demo_directory):
    client.force_login(make_user("clinician"))
    page = client.get(
        reverse("directory:index"), {"kind": "teams", "heart": "vcse", "tier": "tailored"}
    ).content.decode()
    assert "Debt and Welfare Advice" in page and "Housing Solutions" not in page


def test_search_filter_with_unknown_choice_shows_error_summary(client, make_user, demo_directory):
    client.force_login(make_user("clinician"))
    page = client.get(reverse("directory:index"), {"heart": "planets"}).content.decode()
    assert "There is a problem" in page and 'href="#id_heart"' in page


def test_neighbourhood_page_lists_pcns_practices_and_lsoa_count(client, make_user, demo_directory):
    client.force_login(make_user("analyst"))
    page = client.get(reverse("directory:neighbourhood", args=["westminster"])).content.decode()
    assert "REGENT HEALTH PCN" in page and "E87008" in page and ">123 <" in page


@pytest.mark.parametrize("role", ["clinician", "social_prescriber", "vcse_worker", "ig_lead"])
def test_editing_refused_to_roles_without_edit_directory(client, make_user, debt_service, role):
    client.force_login(make_user(role))
    assert client.get(reverse("directory:create", args=["service"])).status_code == 403
    assert (
        client.post(reverse("directory:change", args=["service", debt_service.pk]), {"name": "Hijacked"}).status_code
        == 403
    )
    debt_service.refresh_from_db()
    assert debt_service.name == "Debt advice"


def test_system_admin_adds_organisation_and_it_is_audited(client, make_user, demo_directory):
    admin = make_user("system_admin")
    client.force_login(admin)
    response = client.post(
        reverse("directory:create", args=["organisation"]),
        {"name": "Marylebone Food Bank", "heart": "vcse", "charity_number": "1234567"},
    )
    created = Organisation.objects.get(name="Marylebone Food Bank")
    assert response.status_code == 302 and response["Location"] == created.get_absolute_url()
    event = AuditEvent.objects.get(action="create", username=admin.username)
    assert event.object_type == "Organisation" and event.object_id == str(created.pk)


def test_system_admin_changes_service_and_it_is_audited(client, make_user, debt_service):
    admin = make_user("system_admin")
    client.force_login(admin)
    assert client.get(reverse("directory:change", args=["service", debt_service.pk])).status_code == 200
    data = {k: v for k, v in model_to_dict(debt_service, fields=ServiceForm._meta.fields).items() if v is not None}
    for name in ("taxonomy_terms", "neighbourhoods", "locations", "contacts"):
        data[name] = [obj.pk for obj in data[name]]
    data["capacity"] = "Waiting list: 1 week"
    response = client.post(reverse("directory:change", args=["service", debt_service.pk]), data)
    assert response.status_code == 302
    debt_service.refresh_from_db()
    assert debt_service.capacity == "Waiting list: 1 week"
    assert debt_service.contacts.filter(family_name="Adeyemi").exists()
    assert AuditEvent.objects.filter(action="change", object_type="Service", object_id=str(debt_service.pk)).exists()


def test_service_form_with_team_of_another_organisation_shows_error(client, make_user, debt_service):
    client.force_login(make_user("system_admin"))
    housing = Team.objects.get(name="Housing Solutions")
    response = client.post(
        reverse("directory:create", args=["service"]),
        {"organisation": debt_service.organisation_id, "team": housing.pk, "name": "Another", "status": "active"},
    )
    page = response.content.decode()
    assert (
        response.status_code == 200 and "There is a problem" in page and "belongs to Westminster City Council" in page
    )
    assert not Service.objects.filter(name="Another").exists()


def test_edit_of_unknown_kind_is_not_found(client, make_user, demo_directory):
    client.force_login(make_user("system_admin"))
    assert client.get("/directory/edit/planet/new/").status_code == 404
