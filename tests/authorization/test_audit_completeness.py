"""Every identifiable view (``identifiable: true`` in matrix.yaml) writes exactly one audit entry
about the resident it shows or changes."""

import pytest

from octopus.governance.models import AuditEvent

from .test_authorization_matrix import MATRIX, intake_data, request_as, world  # noqa: F401

IDENTIFIABLE = sorted(name for name, entry in MATRIX["urls"].items() if entry.get("identifiable"))


def test_there_are_identifiable_views_to_check():
    assert IDENTIFIABLE


@pytest.mark.django_db
@pytest.mark.parametrize("name", IDENTIFIABLE)
def test_identifiable_view_writes_exactly_one_audit_entry(client, make_user, relate, world, name):
    entry = MATRIX["urls"][name]
    assert "audit_as" in entry, f"{name}: say which role to check the audit with (audit_as)."
    user = make_user(entry["audit_as"])
    relate(user, world["resident"])
    client.force_login(user)
    before = AuditEvent.objects.filter(resident_id=world["person_id"]).count()
    response = request_as(client, name, entry, world)
    assert response.status_code in (200, 302), f"{name}: HTTP {response.status_code}"
    events = AuditEvent.objects.filter(resident_id=world["person_id"]).order_by("id")[before:]
    assert len(events) == 1, (
        f"{name} wrote {len(events)} audit entries about the resident: {[e.summary for e in events]}"
    )
    assert events[0].username == user.username and events[0].path
