"""``octopus backup`` and ``octopus restore``: the database and the data folder in one archive.

The database goes in as Django's portable JSON (``dumpdata``), so a backup taken on SQLite
restores onto PostgreSQL and back; the data folder (snapshots, feed deliveries, keys) goes in as
files. Left out: the audit key ring and checkpoints (they must never travel with the data they
protect, decision 0019), pipeline scratch folders (``.work-*``, left by killed runs), static
files and other backups.

A restore loads into one transaction, then checks the audit log it loaded: the keyed chain,
and its length and newest entry against the checkpoint the backup signed. If the check fails,
the transaction is rolled back and nothing is restored, unless the information governance lead
accepts it with a reason, which is recorded in the log. Timestamps keep their microseconds.
Backups contain identifiable data: keep them encrypted, on the same terms as the database.
"""

import io
import json
import tarfile
import tempfile
from datetime import UTC, datetime
from pathlib import Path

import typer

app = typer.Typer(
    help="Back up and restore Octopus (database and data folder).", no_args_is_help=True, add_completion=False
)

DB_MEMBER = "database.json"
MANIFEST = "manifest.json"
FILES_PREFIX = "data/"
# Rebuilt by migrate, or worthless outside the running server.
EXCLUDED_MODELS = ["contenttypes", "auth.permission", "sessions.session", "admin.logentry"]


FORMAT = "octopus-json"


def _register_format() -> None:
    from django.core import serializers

    serializers.register_serializer(FORMAT, "octopus.backup_format")


def _is_scratch(relative: Path) -> bool:
    # Pipeline runs work in ``.work-<run>-*`` folders beside the snapshots; a killed run leaves
    # one behind, and it holds population-sized intermediate tables nobody needs back.
    return any(part.startswith(".work-") for part in relative.parts)


def _data_files(data_dir: Path, database_path: Path | None):
    from django.conf import settings

    skip_dirs = {"static", "backups"}
    audit_dir = Path(getattr(settings, "OCTOPUS_AUDIT_DIR", data_dir / "audit")).resolve()
    for path in sorted(data_dir.rglob("*")):
        if not path.is_file():
            continue
        relative = path.relative_to(data_dir)
        if relative.parts[0] in skip_dirs or _is_scratch(relative) or path.resolve().is_relative_to(audit_dir):
            continue
        if database_path and path.name.startswith(database_path.name):  # the live SQLite file, -wal, -shm
            continue
        yield path, relative


def create_backup(output: Path | None = None, echo=print) -> Path:
    from django.conf import settings
    from django.core.management import call_command
    from django.db import connection

    from octopus.governance import audit, checkpoints

    data_dir = Path(settings.DATA_DIR)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    output = Path(output) if output else data_dir / "backups" / f"octopus-{stamp}.tar.gz"
    output.parent.mkdir(parents=True, exist_ok=True)
    checkpoints.write(f"backup {output.name}")
    _register_format()
    dump = io.StringIO()
    call_command("dumpdata", exclude=EXCLUDED_MODELS, natural_foreign=True, indent=None, format=FORMAT, stdout=dump)
    # The audit summary comes from the dump itself, so it describes exactly what was saved even
    # if entries were written while dumping.
    audit_rows = [row for row in json.loads(dump.getvalue()) if row["model"] == "governance.auditevent"]
    last = max(audit_rows, key=lambda row: row["pk"]) if audit_rows else None
    database_name = settings.DATABASES["default"]["NAME"]
    database_path = Path(database_name) if connection.vendor == "sqlite" and str(database_name) != ":memory:" else None
    files = list(_data_files(data_dir, database_path))
    manifest = {
        "created_at": stamp,
        "database_vendor": connection.vendor,
        "audit_entries": len(audit_rows),
        "audit_last_hash": last["fields"]["entry_hash"] if last else None,
        "files": [str(relative) for _, relative in files],
    }
    manifest["audit_signature"] = _manifest_signature(manifest)
    with tarfile.open(output, "w:gz") as archive:
        for name, text in ((MANIFEST, json.dumps(manifest, indent=2)), (DB_MEMBER, dump.getvalue())):
            payload = text.encode()
            info = tarfile.TarInfo(name)
            info.size = len(payload)
            info.mode = 0o600
            archive.addfile(info, io.BytesIO(payload))
        for path, relative in files:
            archive.add(path, arcname=FILES_PREFIX + str(relative))
    output.chmod(0o600)
    audit.record(
        None, "export", f"Backup written: {output.name} ({manifest['audit_entries']} audit entries, {len(files)} files)"
    )
    echo(f"Backup written to {output} ({len(files)} data files).")
    return output


def _manifest_signature(manifest: dict) -> str:
    import hashlib
    import hmac

    from octopus.governance import audit_keys

    ring = audit_keys.load()
    manifest.setdefault("audit_key_id", ring.current)
    payload = json.dumps([manifest["created_at"], manifest["audit_entries"], manifest["audit_last_hash"]]).encode()
    return hmac.new(ring.secret(manifest["audit_key_id"]), payload, hashlib.sha256).hexdigest()


class RestoreRefused(RuntimeError):
    pass


def _audit_problem(manifest: dict) -> str:
    """Why the audit log just loaded cannot be trusted, or "" when it verifies."""
    import hmac

    from octopus.governance import audit, audit_keys

    report = audit.verify_chain()
    if not report.intact:
        return report.problem
    if "audit_signature" not in manifest:
        return (
            "The backup carries no signed audit summary (it was made before decision 0019), so its audit log cannot be "
            "checked."
        )
    try:
        expected = _manifest_signature(dict(manifest))
    except audit_keys.AuditKeyError as error:
        return f"The backup's audit summary cannot be checked. {error}"
    if not hmac.compare_digest(expected, manifest["audit_signature"]):
        return "The backup's signed audit summary does not match: the manifest was altered."
    if report.entries != manifest["audit_entries"] or report.head != (manifest["audit_last_hash"] or audit.GENESIS):
        return (
            f"The backup's audit log holds {report.entries} entries, but the backup recorded "
            f"{manifest['audit_entries']} ending in another entry: entries were removed or added."
        )
    return ""


def _accepting_ig_lead(username: str):
    from octopus.accounts.models import User

    ig_lead = User.objects.filter(username=username, is_active=True).first()
    if ig_lead is None or not ig_lead.has_capability("review_audit"):
        raise RestoreRefused(
            f"{username!r} is not an active information governance lead in the backup, "
            "so cannot accept a backup whose audit log does not verify."
        )
    return ig_lead


def restore_backup(
    archive_path: Path, *, replace: bool = False, echo=print, accept_reason: str = "", accepted_by: str = ""
):
    """Load a backup. Refuses, leaving the database as it was, if its audit log does not verify,
    unless ``accepted_by`` (an IG lead in the backup) gives ``accept_reason``."""
    from django.conf import settings
    from django.core.management import call_command
    from django.db import connection, transaction

    from octopus.accounts.models import User
    from octopus.governance import audit, checkpoints
    from octopus.governance.models import AuditEvent

    archive_path = Path(archive_path)
    if not archive_path.exists():
        raise RestoreRefused(f"No backup at {archive_path}.")
    if bool(accept_reason.strip()) != bool(accepted_by.strip()):
        raise RestoreRefused("Accepting a backup whose audit log fails needs both a reason and the IG lead's username.")
    call_command("migrate", interactive=False, verbosity=0)
    if (User.objects.exists() or AuditEvent.objects.exists()) and not replace:
        raise RestoreRefused(
            "The database already holds data. Restore into an empty database, or pass --replace to "
            "wipe it first (everything not in the backup, including newer audit entries, is lost)."
        )
    data_dir = Path(settings.DATA_DIR)
    with tempfile.TemporaryDirectory() as scratch, tarfile.open(archive_path, "r:gz") as archive:
        archive.extractall(scratch, filter="data")
        scratch = Path(scratch)
        manifest = json.loads((scratch / MANIFEST).read_text())
        with transaction.atomic():
            if replace:
                call_command("flush", interactive=False, verbosity=0)
            if connection.vendor == "postgresql":
                # loaddata writes rows in file order; foreign keys are checked at commit.
                with connection.cursor() as cursor:
                    cursor.execute("SET CONSTRAINTS ALL DEFERRED")
            call_command("loaddata", str(scratch / DB_MEMBER), format="json", verbosity=0)
            problem = _audit_problem(manifest)
            if problem and not accept_reason:
                # Raising rolls the transaction back: the database is as it was before.
                raise RestoreRefused(
                    f"Nothing was restored: the audit log in {archive_path.name} does not verify. {problem} "
                    "If the information governance lead accepts this, run the restore again with "
                    "--accept-failed-audit REASON --ig-lead USERNAME."
                )
            if problem:
                ig_lead = _accepting_ig_lead(accepted_by)
                audit.record(
                    ig_lead,
                    "load",
                    f"Accepted backup {archive_path.name} although its audit log does not "
                    f"verify ({problem[:120]}). Reason: {accept_reason.strip()}"[:300],
                )
            audit.record(None, "load", f"Restored from backup {archive_path.name} (taken {manifest['created_at']})")
        files_root = scratch / FILES_PREFIX
        restored = 0
        if files_root.exists():
            for path in files_root.rglob("*"):
                if path.is_file():
                    target = data_dir / path.relative_to(files_root)
                    target.parent.mkdir(parents=True, exist_ok=True)
                    target.write_bytes(path.read_bytes())
                    restored += 1
    # A restore legitimately shortens the log; this checkpoint is the new baseline.
    checkpoints.write(f"restore from {archive_path.name}")
    echo(f"Restored {archive_path.name}: {manifest['audit_entries']} audit entries, {restored} data files.")
    echo(
        "Audit log intact."
        if not problem
        else f"WARNING: restored with a failed audit check, accepted by {accepted_by}: {problem}"
    )
    return not problem


def _setup():
    from octopus.commands.django_setup import setup

    setup()


@app.command()
def backup(
    output: Path = typer.Option(
        None, "--output", "-o", help="Archive to write (default: DATA_DIR/backups/octopus-<time>.tar.gz)."
    ),
) -> None:
    """Write the database and the data folder to one .tar.gz archive."""
    _setup()
    create_backup(output, echo=typer.echo)


@app.command()
def restore(
    archive: Path = typer.Argument(..., help="A .tar.gz made by `octopus backup`."),
    replace: bool = typer.Option(False, "--replace", help="Wipe the current database first."),
    accept_failed_audit: str = typer.Option(
        "",
        "--accept-failed-audit",
        help="Restore even though the backup's audit log does not verify, for this reason (recorded in the log).",
    ),
    ig_lead: str = typer.Option(
        "", "--ig-lead", help="Username of the information governance lead accepting --accept-failed-audit."
    ),
) -> None:
    """Load a backup into this installation; refuse it if the audit log it holds does not verify."""
    _setup()
    try:
        intact = restore_backup(
            archive, replace=replace, echo=typer.echo, accept_reason=accept_failed_audit, accepted_by=ig_lead
        )
    except RestoreRefused as error:
        typer.echo(str(error), err=True)
        raise typer.Exit(2) from None
    if not intact:
        raise typer.Exit(1)
