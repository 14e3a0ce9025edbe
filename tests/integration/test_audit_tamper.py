"""The audit tamper suite: what someone with full database access might do, and that
``audit.verify`` catches each of it with a message saying what happened (decision 0019).

Runs on SQLite and, in the PostgreSQL pass, on PostgreSQL.
"""

import hashlib
import shutil

import pytest
from django.core.management import call_command
from django.db import connection

from octopus.governance import append_only, audit, audit_keys, checkpoints
from octopus.governance.models import AuditEvent

pytestmark = pytest.mark.django_db


def _log_with_checkpoint(entries: int = 6) -> list[AuditEvent]:
    events = [audit.record(None, "view", f"entry {n}", resident_id=f"P{n}") for n in range(entries)]
    report = audit.verify_and_checkpoint()
    assert report.intact, report.problem
    return events


def test_verify_intact_after_ordinary_use_and_checkpoints():
    _log_with_checkpoint()
    audit.record(None, "view", "after the checkpoint")
    report = audit.verify()
    assert report.intact
    assert report.entries == AuditEvent.objects.count()


def test_verify_fails_when_triggers_dropped_and_newest_entries_deleted():
    _log_with_checkpoint()
    append_only.remove(connection)
    newest = AuditEvent.objects.order_by("-id").values_list("id", flat=True)[:3]
    AuditEvent.objects.filter(id__in=list(newest)).delete()
    report = audit.verify()
    assert not report.intact
    assert any("triggers" in problem and "missing" in problem for problem in report.problems)
    assert any("entries were deleted" in problem for problem in report.problems)
    assert any("cut back or rewritten" in problem for problem in report.problems)


def test_verify_fails_when_every_entry_deleted():
    _log_with_checkpoint()
    with append_only.suspended():
        AuditEvent.objects.all().delete()
    report = audit.verify()
    assert not report.intact
    assert report.entries == 0
    assert "holds 0 entries" in report.problem and "entries were deleted" in report.problem


@pytest.mark.parametrize("forger", ["sha256", "guessed key"])
def test_verify_fails_when_entry_edited_and_later_hashes_recomputed_without_key(forger):
    events = _log_with_checkpoint()
    target = events[2]

    def forged_hash(event):
        content = audit._content(event)
        if forger == "sha256":
            return hashlib.sha256(content).hexdigest()
        import hmac

        return hmac.new(b"a guess at the key", content, hashlib.sha256).hexdigest()

    with append_only.suspended():
        previous = AuditEvent.objects.get(id=target.id - 1).entry_hash if target.id > 1 else audit.GENESIS
        for event in AuditEvent.objects.filter(id__gte=target.id).order_by("id"):
            if event.id == target.id:
                event.summary = "nothing to see"
            event.previous_hash = previous
            event.entry_hash = forged_hash(event)
            event.save()
            previous = event.entry_hash
    report = audit.verify()
    assert not report.intact
    assert report.first_broken_id == target.id
    assert f"Entry {target.id} was altered after it was written." in report.problem


def test_verify_fails_when_checkpoint_file_removed():
    _log_with_checkpoint()
    checkpoints.path().unlink()
    report = audit.verify()
    assert not report.intact
    assert "checkpoint file" in report.problem and "is missing" in report.problem


def test_verify_fails_when_checkpoint_file_rolled_back(tmp_path):
    _log_with_checkpoint()
    shutil.copy(checkpoints.path(), tmp_path / "old.jsonl")
    audit.record(None, "view", "more")
    assert audit.verify_and_checkpoint().intact
    shutil.copy(tmp_path / "old.jsonl", checkpoints.path())
    report = audit.verify()
    assert not report.intact
    assert "rolled back to an older copy" in report.problem


def test_verify_fails_when_checkpoint_line_edited():
    _log_with_checkpoint()
    text = checkpoints.path().read_text()
    checkpoints.path().write_text(text.replace('"entries": ', '"entries": 1', 1))
    report = audit.verify()
    assert not report.intact
    assert "signature does not match" in report.problem


def test_verify_fails_when_a_key_is_missing_from_the_ring():
    _log_with_checkpoint()
    audit_keys.ring_path().unlink()
    audit_keys._cache.clear()
    report = audit.verify()
    assert not report.intact
    assert "is not in the key ring" in report.problem


def test_migrate_puts_dropped_triggers_back():
    append_only.remove(connection)
    assert not append_only.is_installed(connection)
    call_command("migrate", interactive=False, verbosity=0)
    assert append_only.is_installed(connection)


def test_rotated_key_seals_new_entries_and_old_ones_still_verify():
    first = audit.record(None, "view", "before rotation")
    old, new = audit_keys.rotate("yearly rotation")
    second = audit.record(None, "view", "after rotation")
    assert (first.key_id, second.key_id) == (old, new)
    assert old != new
    assert audit.verify().intact
    assert [entry["reason"] for entry in audit_keys.load().history] == ["first key", "yearly rotation"]


def test_list_appearances_are_chained_one_entry_per_resident():
    audit.record(None, "view", "before")
    written = audit.record_appearances(
        None, "Saw on the huddle worklist", ["P1", "P2", "P2", "P3"], path="/meetings/1/"
    )
    assert written == 3
    assert list(
        AuditEvent.objects.filter(summary="Saw on the huddle worklist").values_list("resident_id", flat=True)
    ) == ["P1", "P2", "P3"]
    assert audit.verify().intact


def test_a_list_entry_goes_first_in_the_same_chain_as_its_appearances():
    """A list page writes its own entry and its residents' in one locked read and one insert."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    audit.record(None, "view", "before")
    with CaptureQueriesContext(connection) as queries:
        written = audit.record_appearances(
            None,
            "Listed on the caseload page",
            ["P1", "P2"],
            path="/care/",
            basis="caseload",
            list_entry="Viewed caseload (2 residents)",
        )
    assert [q["sql"].split()[0] for q in queries if "governance_auditevent" in q["sql"]] == ["SELECT", "INSERT"]
    assert written == 2
    rows = list(AuditEvent.objects.order_by("id").values_list("summary", "resident_id", "basis"))[-3:]
    assert rows == [
        ("Viewed caseload (2 residents)", "", ""),
        ("Listed on the caseload page", "P1", "caseload"),
        ("Listed on the caseload page", "P2", "caseload"),
    ]
    assert audit.record_appearances(None, "Listed", [], list_entry="Viewed an empty caseload") == 0
    assert AuditEvent.objects.order_by("-id").values_list("summary", flat=True)[0] == "Viewed an empty caseload"
    assert audit.verify().intact


def test_periodic_checkpoint_written_after_commit(settings, django_capture_on_commit_callbacks):
    settings.OCTOPUS_AUDIT_CHECKPOINT_EVERY = 5
    with django_capture_on_commit_callbacks(execute=True):
        for n in range(6):
            audit.record(None, "view", f"entry {n}")
        audit.record_appearances(None, "Listed", [f"P{n}" for n in range(7)])
    assert [line["reason"] for line in checkpoints.read()] == ["periodic"] * len(checkpoints.read())
    assert len(checkpoints.read()) >= 2
    assert audit.verify().intact


def test_key_ring_created_once_when_workers_race(settings, tmp_path):
    settings.OCTOPUS_AUDIT_DIR = tmp_path / "audit"
    audit_keys._create(audit_keys.ring_path())
    first = audit_keys.load().current
    audit_keys._create(audit_keys.ring_path())  # a second worker arriving late keeps the first ring
    audit_keys._cache.clear()
    assert audit_keys.load().current == first
    assert sorted(path.name for path in (tmp_path / "audit").iterdir()) == ["keyring.json"]


@pytest.mark.django_db(transaction=True)
def test_concurrent_checkpoint_writers_number_their_checkpoints_in_turn(monkeypatch):
    # Two writers (gunicorn threads) that both read the file before either appended used to write
    # the same number, after which every checkpoint failed to verify. The pause widens that window.
    import threading
    import time

    from django.db import connections

    audit.record(None, "view", "before the race")
    reading = checkpoints.read

    def slow_read():
        lines = reading()
        time.sleep(0.2)
        return lines

    monkeypatch.setattr(checkpoints, "read", slow_read)
    failures = []

    def writer(reason):
        try:
            checkpoints.write(reason)
        except Exception as error:  # noqa: BLE001 - reported by the assertion below
            failures.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=writer, args=(f"writer {n}",)) for n in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    monkeypatch.setattr(checkpoints, "read", reading)

    assert failures == []
    assert [line["seq"] for line in checkpoints.read()] == [1, 2]
    report = audit.verify()
    assert report.intact, report.problem
