import pytest

from octopus.governance import audit
from octopus.governance.models import AuditEvent

pytestmark = pytest.mark.django_db


def test_chain_intact_after_writes():
    for n in range(5):
        audit.record(None, "view", f"entry {n}")
    report = audit.verify_chain()
    assert report.intact and report.entries == 5


def test_edited_entry_is_detected():
    events = [audit.record(None, "view", f"entry {n}") for n in range(4)]
    AuditEvent.objects.filter(pk=events[2].pk).update(summary="innocent")
    report = audit.verify_chain()
    assert report.first_broken_id == events[2].pk
    assert "altered" in report.problem


def test_deleted_entry_is_detected():
    events = [audit.record(None, "view", f"entry {n}") for n in range(4)]
    AuditEvent.objects.filter(pk=events[1].pk).delete()
    report = audit.verify_chain()
    assert report.first_broken_id == events[2].pk
    assert "deleted" in report.problem
