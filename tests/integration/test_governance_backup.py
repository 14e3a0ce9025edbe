"""octopus backup / restore: a round trip brings back the database, the data files and an intact audit log."""

import pytest
from django.db import connection

from octopus import backup
from octopus.accounts.models import User
from octopus.governance import audit, consent
from octopus.governance.models import AuditEvent, Consent
from octopus.residents.models import Resident
from tests.security.factories import make_resident

pytestmark = pytest.mark.django_db


def test_backup_and_restore_round_trip(make_user, settings, tmp_path):
    settings.DATA_DIR = tmp_path / "var"
    snapshots = settings.DATA_DIR / "snapshots" / "run-1"
    snapshots.mkdir(parents=True)
    (snapshots / "residents.parquet").write_bytes(b"PAR1 not really")
    nurse = make_user("clinician", username="nurse")
    resident = make_resident(given_name="Ada")
    consent.record_consent(actor=nurse, resident=resident, kind="discuss_at_mdt", status="given")
    audit.record(nurse, "view", "Opened", resident_id=resident.person_id)
    entries = AuditEvent.objects.count()
    archive = backup.create_backup(tmp_path / "b.tar.gz", echo=lambda *_: None)

    # Things go wrong after the backup.
    make_user("clinician", username="intruder")
    Resident.objects.filter(pk=resident.pk).update(given_name="Changed")
    (snapshots / "residents.parquet").unlink()

    if connection.vendor == "postgresql":
        # The test's own transaction holds deferred foreign-key checks, which TRUNCATE refuses;
        # a real restore starts with none.
        with connection.cursor() as cursor:
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
    with pytest.raises(backup.RestoreRefused, match="--replace"):
        backup.restore_backup(archive, echo=lambda *_: None)
    assert backup.restore_backup(archive, replace=True, echo=lambda *_: None)

    assert set(User.objects.values_list("username", flat=True)) == {"nurse"}
    assert Resident.objects.get(person_id=resident.person_id).given_name == "Ada"
    assert Consent.objects.get().status == "given"
    assert (snapshots / "residents.parquet").read_bytes() == b"PAR1 not really"
    assert audit.verify().intact
    # Plus the backup's checkpoint (taken before the dump), the restore and its new checkpoint.
    assert AuditEvent.objects.count() == entries + 3
    assert AuditEvent.objects.filter(action="load", summary__startswith="Restored from backup b.tar.gz").exists()
    assert User.objects.get(username="nurse").has_capability("view_residents")


def test_restore_missing_archive(tmp_path):
    with pytest.raises(backup.RestoreRefused, match="No backup"):
        backup.restore_backup(tmp_path / "nope.tar.gz", echo=lambda *_: None)


def _clear_fk_checks():
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")


def test_backup_excludes_audit_keys_and_pipeline_scratch(make_user, settings, tmp_path):
    import tarfile

    settings.DATA_DIR = tmp_path / "var"
    settings.OCTOPUS_AUDIT_DIR = settings.DATA_DIR / "audit"
    (settings.DATA_DIR / "snapshots" / ".work-run7-abc").mkdir(parents=True)
    (settings.DATA_DIR / "snapshots" / ".work-run7-abc" / "features.parquet").write_bytes(b"scratch")
    (settings.DATA_DIR / "snapshots" / "run-7.parquet").write_bytes(b"kept")
    audit.record(None, "view", "something")
    archive = backup.create_backup(tmp_path / "b.tar.gz", echo=lambda *_: None)
    with tarfile.open(archive) as opened:
        names = opened.getnames()
    assert "data/snapshots/run-7.parquet" in names
    assert not [name for name in names if ".work-" in name or "keyring" in name or "checkpoints" in name]


def test_restore_keeps_microseconds(make_user, settings, tmp_path):
    from datetime import UTC, datetime

    settings.DATA_DIR = tmp_path / "var"
    moment = datetime(2026, 3, 4, 5, 6, 7, 123456, tzinfo=UTC)
    nurse = make_user("clinician", username="nurse")
    User.objects.filter(pk=nurse.pk).update(last_login=moment)
    archive = backup.create_backup(tmp_path / "b.tar.gz", echo=lambda *_: None)
    _clear_fk_checks()
    backup.restore_backup(archive, replace=True, echo=lambda *_: None)
    assert User.objects.get(username="nurse").last_login == moment


def _tampered_backup(make_user, settings, tmp_path):
    """A backup whose audit log had its newest entries cut before it was taken."""
    settings.DATA_DIR = tmp_path / "var"
    make_user("ig_lead", username="iglead")
    for n in range(3):
        audit.record(None, "view", f"entry {n}")
    archive = backup.create_backup(tmp_path / "b.tar.gz", echo=lambda *_: None)
    # Rewrite the archive: drop the newest audit entry from the dump, keep the signed manifest.
    import io
    import json
    import tarfile

    with tarfile.open(archive) as opened:
        members = {member.name: opened.extractfile(member).read() for member in opened.getmembers() if member.isfile()}
    rows = json.loads(members["database.json"])
    newest = max(row["pk"] for row in rows if row["model"] == "governance.auditevent")
    members["database.json"] = json.dumps(
        [row for row in rows if not (row["model"] == "governance.auditevent" and row["pk"] == newest)]
    ).encode()
    tampered = tmp_path / "tampered.tar.gz"
    with tarfile.open(tampered, "w:gz") as out:
        for name, payload in members.items():
            info = tarfile.TarInfo(name)
            info.size = len(payload)
            out.addfile(info, io.BytesIO(payload))
    return tampered


def test_restore_refuses_backup_whose_audit_does_not_verify(make_user, settings, tmp_path):
    tampered = _tampered_backup(make_user, settings, tmp_path)
    make_user("clinician", username="after-backup")
    before = AuditEvent.objects.count()
    _clear_fk_checks()
    with pytest.raises(backup.RestoreRefused, match="Nothing was restored.*entries were removed"):
        backup.restore_backup(tampered, replace=True, echo=lambda *_: None)
    # Rolled back: the database is as it was, including what came after the backup.
    assert User.objects.filter(username="after-backup").exists()
    assert AuditEvent.objects.count() == before


def test_restore_with_failed_audit_needs_ig_lead_and_reason_recorded(make_user, settings, tmp_path):
    tampered = _tampered_backup(make_user, settings, tmp_path)
    _clear_fk_checks()
    with pytest.raises(backup.RestoreRefused, match="not an active information governance lead"):
        backup.restore_backup(
            tampered, replace=True, echo=lambda *_: None, accept_reason="only copy left", accepted_by="nobody"
        )
    _clear_fk_checks()
    assert not backup.restore_backup(
        tampered,
        replace=True,
        echo=lambda *_: None,
        accept_reason="Only copy left after the disk failure",
        accepted_by="iglead",
    )
    accepted = AuditEvent.objects.get(summary__startswith="Accepted backup tampered.tar.gz")
    assert accepted.username == "iglead"
    assert "Only copy left after the disk failure" in accepted.summary
