import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db


def test_home_requires_sign_in(client):
    response = client.get("/")
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_api_without_sign_in_gets_401_not_redirect(client):
    assert client.get("/api/anything").status_code == 401


def test_pages_carry_security_headers(client, make_user):
    client.force_login(make_user("clinician"))
    response = client.get("/")
    assert response.status_code == 200
    csp = response["Content-Security-Policy"]
    assert "script-src 'self' 'nonce-" in csp
    assert "'unsafe-inline'" not in csp
    assert response["Cache-Control"] == "no-store"
    assert response["X-Frame-Options"] == "DENY"


def test_administration_refused_to_clinician(client, make_user):
    client.force_login(make_user("clinician"))
    response = client.get(reverse("administration:index"))
    assert response.status_code == 403
    assert "You cannot open this page" in response.content.decode()


def test_system_admin_creates_user_and_it_is_audited(client, make_user):
    from octopus.accounts.models import User
    from octopus.directory.models import Team
    from octopus.governance.models import AuditEvent

    admin = make_user("system_admin")
    client.force_login(admin)
    team = Team.objects.get()
    response = client.post(
        reverse("administration:user-create"),
        {
            "username": "newnurse",
            "first_name": "New",
            "last_name": "Nurse",
            "email": "n@example.nhs.uk",
            "team": team.pk,
            "role": "clinician",
            "password": "a-long-enough-password",
        },
    )
    assert response.status_code == 302
    created = User.objects.get(username="newnurse")
    # A clinical role waits for a second person's approval (decision 0020).
    assert not created.has_capability("view_residents")
    assert created.membership_grants.get().status == "pending"
    assert AuditEvent.objects.filter(action="create", username=admin.username).exists()


def test_new_user_form_errors_name_the_field(client, make_user):
    client.force_login(make_user("system_admin"))
    response = client.post(reverse("administration:user-create"), {"username": ""})
    body = response.content.decode()
    assert response.status_code == 200
    assert "There is a problem" in body
    assert 'href="#id_username"' in body


def test_about_page_unknown_is_404(client, make_user):
    client.force_login(make_user("clinician"))
    assert client.get("/about/nope/").status_code == 404


def test_sign_out_is_a_real_form_not_escaped_text(client, make_user):
    client.force_login(make_user("clinician"))
    body = client.get("/").content.decode()
    assert '<form class="nhsuk-header__account-form" method="post" action="/accounts/logout/">' in body
    assert "&lt;form" not in body
    assert 'name="csrfmiddlewaretoken"' in body


def test_record_without_relationship_offers_break_glass(client, make_user):
    from octopus.residents.factories import make_resident

    resident = make_resident()
    client.force_login(make_user("clinician"))
    response = client.get(reverse("residents:record", args=[resident.person_id]))
    body = response.content.decode()
    assert response.status_code == 403
    assert reverse("governance:break-glass", args=[resident.person_id]) in body
    assert resident.family_name not in body


def test_record_page_shows_consent_panel_with_relationship(client, make_user):
    from octopus.governance import access
    from octopus.residents.factories import make_resident

    resident = make_resident()
    user = make_user("clinician")
    access.request_break_glass(user, resident, "urgent_care", "Seen in clinic, needs history")
    client.force_login(user)
    body = client.get(reverse("residents:record", args=[resident.person_id])).content.decode()
    assert 'id="consent-panel"' in body
    assert "Break-glass access" in body
