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
    assert audit.verify_chain().intact
    assert AuditEvent.objects.count() == entries + 1  # plus the entry recording the restore
    assert User.objects.get(username="nurse").has_capability("view_residents")


def test_restore_missing_archive(tmp_path):
    with pytest.raises(backup.RestoreRefused, match="No backup"):
        backup.restore_backup(tmp_path / "nope.tar.gz", echo=lambda *_: None)
