"""``octopus backup`` and ``octopus restore``: the database and the data folder in one archive.

The database goes in as Django's portable JSON (``dumpdata``), so a backup taken on SQLite
restores onto PostgreSQL and back; the data folder (snapshots, feed deliveries, keys) goes in as
files. A restore checks the audit chain of what it loaded and says whether it is intact.
Backups contain identifiable data: keep them encrypted, on the same terms as the database.
"""

import io
import json
import tarfile
import tempfile
from datetime import UTC, datetime
from pathlib import Path

import typer

app = typer.Typer(help="Back up and restore Octopus (database and data folder).", no_args_is_help=True, add_completion=False)

DB_MEMBER = "database.json"
MANIFEST = "manifest.json"
FILES_PREFIX = "data/"
# Rebuilt by migrate, or worthless outside the running server.
EXCLUDED_MODELS = ["contenttypes", "auth.permission", "sessions.session", "admin.logentry"]


def _data_files(data_dir: Path, database_path: Path | None):
    skip_dirs = {"static", "backups"}
    for path in sorted(data_dir.rglob("*")):
        if not path.is_file():
            continue
        relative = path.relative_to(data_dir)
        if relative.parts[0] in skip_dirs:
            continue
        if database_path and path.name.startswith(database_path.name):  # the live SQLite file, -wal, -shm
            continue
        yield path, relative


def create_backup(output: Path | None = None, echo=print) -> Path:
    from django.conf import settings
    from django.core.management import call_command
    from django.db import connection

    from octopus.governance import audit
    from octopus.governance.models import AuditEvent

    data_dir = Path(settings.DATA_DIR)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    output = Path(output) if output else data_dir / "backups" / f"octopus-{stamp}.tar.gz"
    output.parent.mkdir(parents=True, exist_ok=True)
    dump = io.StringIO()
    call_command("dumpdata", exclude=EXCLUDED_MODELS, natural_foreign=True, indent=None, stdout=dump)
    last = AuditEvent.objects.order_by("-id").first()
    database_name = settings.DATABASES["default"]["NAME"]
    database_path = Path(database_name) if connection.vendor == "sqlite" and str(database_name) != ":memory:" else None
    files = list(_data_files(data_dir, database_path))
    manifest = {
        "created_at": stamp,
        "database_vendor": connection.vendor,
        "audit_entries": AuditEvent.objects.count(),
        "audit_last_hash": last.entry_hash if last else None,
        "files": [str(relative) for _, relative in files],
    }
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
    audit.record(None, "export", f"Backup written: {output.name} ({manifest['audit_entries']} audit entries, {len(files)} files)")
    echo(f"Backup written to {output} ({len(files)} data files).")
    return output


class RestoreRefused(RuntimeError):
    pass


def restore_backup(archive_path: Path, *, replace: bool = False, echo=print):
    from django.conf import settings
    from django.core.management import call_command
    from django.db import connection, transaction

    from octopus.accounts.models import User
    from octopus.governance import audit
    from octopus.governance.models import AuditEvent

    archive_path = Path(archive_path)
    if not archive_path.exists():
        raise RestoreRefused(f"No backup at {archive_path}.")
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
            call_command("loaddata", str(scratch / DB_MEMBER), verbosity=0)
        files_root = scratch / FILES_PREFIX
        restored = 0
        if files_root.exists():
            for path in files_root.rglob("*"):
                if path.is_file():
                    target = data_dir / path.relative_to(files_root)
                    target.parent.mkdir(parents=True, exist_ok=True)
                    target.write_bytes(path.read_bytes())
                    restored += 1
    report = audit.verify_chain()
    last = AuditEvent.objects.order_by("-id").first()
    matches = (last.entry_hash if last else None) == manifest["audit_last_hash"]
    audit.record(None, "load", f"Restored from backup {archive_path.name} (taken {manifest['created_at']})")
    echo(f"Restored {archive_path.name}: {manifest['audit_entries']} audit entries, {restored} data files.")
    echo("Audit log intact." if report.intact and matches else f"WARNING: audit log check failed: {report.problem or 'last entry differs from the manifest'}")
    return report.intact and matches


def _setup():
    from octopus.commands.django_setup import setup

    setup()


@app.command()
def backup(output: Path = typer.Option(None, "--output", "-o", help="Archive to write (default: DATA_DIR/backups/octopus-<time>.tar.gz).")) -> None:
    """Write the database and the data folder to one .tar.gz archive."""
    _setup()
    create_backup(output, echo=typer.echo)


@app.command()
def restore(
    archive: Path = typer.Argument(..., help="A .tar.gz made by `octopus backup`."),
    replace: bool = typer.Option(False, "--replace", help="Wipe the current database first."),
) -> None:
    """Load a backup into this installation, then verify the audit log it contained."""
    _setup()
    try:
        intact = restore_backup(archive, replace=replace, echo=typer.echo)
    except RestoreRefused as error:
        typer.echo(str(error), err=True)
        raise typer.Exit(2) from None
    if not intact:
        raise typer.Exit(1)
