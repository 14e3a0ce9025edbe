"""Hostile input is stored as typed and shown as text (Jinja2 autoescape), and search
parameters cannot reach SQL (the ORM parameterises every query)."""

import html

import pytest
from django.urls import reverse

from octopus.governance import access, audit
from octopus.governance.models import AuditEvent, BreakGlassAccess
from tests.security.factories import make_resident

pytestmark = pytest.mark.django_db

PAYLOADS = [
    "<script>alert('xss')</script>",
    '"><img src=x onerror=alert(1)>',
    "{{ 7*7 }}{% raw %}",
    "'; DROP TABLE governance_auditevent; --",
]


@pytest.mark.parametrize("payload", PAYLOADS)
def test_break_glass_detail_is_stored_inert_and_rendered_escaped(client, make_user, payload):
    user, resident = make_user("clinician"), make_resident()
    access.request_break_glass(user, resident, "other", "Reason: " + payload)
    assert BreakGlassAccess.objects.get().detail == "Reason: " + payload
    client.force_login(make_user("ig_lead"))
    body = client.get(reverse("governance:break-glass-queue")).content.decode()
    shown = body.split("Reason: ")[1].split("</span>")[0]
    assert html.unescape(shown) == payload  # shown exactly as typed: escaped, not run or evaluated
    assert "<script>alert" not in body and "<img src=x" not in body


@pytest.mark.parametrize("payload", PAYLOADS)
def test_user_names_are_escaped_in_administration(client, make_user, payload):
    make_user("clinician", first_name=payload)
    client.force_login(make_user("system_admin"))
    body = client.get(reverse("administration:index")).content.decode()
    assert "<script>alert" not in body and "<img src=x" not in body


@pytest.mark.parametrize("payload", PAYLOADS)
def test_audit_search_parameters_cannot_inject(client, make_user, payload):
    audit.record(None, "view", "an entry")
    client.force_login(make_user("ig_lead"))
    response = client.get(reverse("governance:audit"), {"username": payload, "person_id": payload[:40]})
    assert response.status_code == 200
    assert "<script>alert" not in response.content.decode()
    assert AuditEvent.objects.filter(summary="an entry").exists()
    assert audit.verify_chain().intact
