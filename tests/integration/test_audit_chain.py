import pytest
from django.db import DatabaseError, transaction

from octopus.governance import append_only, audit
from octopus.governance.models import AuditEvent

pytestmark = pytest.mark.django_db


def test_chain_intact_after_writes():
    for n in range(5):
        audit.record(None, "view", f"entry {n}")
    report = audit.verify_chain()
    assert report.intact and report.entries == 5


def test_edited_entry_is_detected():
    events = [audit.record(None, "view", f"entry {n}") for n in range(4)]
    # The database refuses edits; someone able to drop the trigger could still edit, and the
    # chain must catch that too.
    with append_only.suspended():
        AuditEvent.objects.filter(pk=events[2].pk).update(summary="innocent")
    report = audit.verify_chain()
    assert report.first_broken_id == events[2].pk
    assert "altered" in report.problem


def test_deleted_entry_is_detected():
    events = [audit.record(None, "view", f"entry {n}") for n in range(4)]
    with append_only.suspended():
        AuditEvent.objects.filter(pk=events[1].pk).delete()
    report = audit.verify_chain()
    assert report.first_broken_id == events[2].pk
    assert "deleted" in report.problem


def test_database_refuses_update_and_delete_of_audit_entries():
    event = audit.record(None, "view", "entry")
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        AuditEvent.objects.filter(pk=event.pk).update(summary="innocent")
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        AuditEvent.objects.filter(pk=event.pk).delete()
    assert audit.verify_chain().intact
