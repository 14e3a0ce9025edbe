"""``octopus audit …``: verify and export the audit log from the command line.

Registered by ``octopus.cli`` as ``octopus audit``. ``verify`` exits 1 (and says what is wrong)
when the keyed chain, the append-only triggers or the last checkpoint do not hold, so it can run
from cron or a monitoring check; when all is well it writes a new checkpoint (decision 0019).
"""

import csv
import json
import sys
from datetime import date
from pathlib import Path

import typer

app = typer.Typer(
    help="The audit log: verify that it is intact, export it.", no_args_is_help=True, add_completion=False
)

FIELDS = [
    "id",
    "occurred_at",
    "username",
    "action",
    "resident_id",
    "object_type",
    "object_id",
    "summary",
    "basis",
    "path",
    "previous_hash",
    "entry_hash",
]


def _setup() -> None:
    from octopus.commands.django_setup import setup

    setup()


@app.command()
def verify() -> None:
    """Check every entry's keyed hash and link, the triggers and the last checkpoint; exit 1 if any fails."""
    _setup()
    from octopus.governance import audit

    report = audit.verify_and_checkpoint(where=" from the command line")
    if report.intact:
        typer.echo(f"The audit log is intact: {report.entries} entries checked; checkpoint written.")
        return
    typer.echo(
        f"The audit log has been altered. {report.problem} Report this to your Data Protection Officer.", err=True
    )
    raise typer.Exit(1)


@app.command()
def checkpoint(
    reason: str = typer.Option(
        "command line",
        "--reason",
        help="Recorded with the checkpoint, e.g. the incident a failed verify was investigated under.",
    ),
) -> None:
    """Write a signed checkpoint of the log's head and length (outside the database).

    After a failed verify has been investigated and reported, a checkpoint with the incident
    as its reason is the new baseline; the failure stays in the log and the checkpoint file."""
    _setup()
    from octopus.governance import checkpoints

    written = checkpoints.write(reason)
    typer.echo(f"Checkpoint {written['seq']} written: {written['entries']} entries, newest {written['last_id']}.")


@app.command("rotate-key")
def rotate_key(
    reason: str = typer.Option(..., "--reason", help="Why the key is rotated (recorded in the log)."),
) -> None:
    """Start sealing new entries with a new audit key; old keys stay in the ring for verifying."""
    _setup()
    from octopus.governance import audit, audit_keys, checkpoints

    old, new = audit_keys.rotate(reason)
    audit.record(None, "change", f"Rotated the audit key from {old} to {new}: {reason}"[:300])
    checkpoints.write(f"key rotated to {new}")
    typer.echo(f"New entries are sealed with key {new}. Copy {audit_keys.ring_path()} to its safe place again.")


@app.command()
def export(
    output: Path = typer.Option(None, "--output", "-o", help="File to write (default: standard output)."),
    fmt: str = typer.Option("csv", "--format", help="csv or jsonl."),
    since: str = typer.Option(None, "--from", help="First day to include (YYYY-MM-DD)."),
    until: str = typer.Option(None, "--to", help="Last day to include (YYYY-MM-DD)."),
    person_id: str = typer.Option(None, "--person-id", help="Only entries about this resident."),
) -> None:
    """Export entries (with their hashes, so the export can be checked independently)."""
    if fmt not in ("csv", "jsonl"):
        raise typer.BadParameter("use csv or jsonl", param_hint="--format")
    try:
        first = date.fromisoformat(since) if since else None
        last = date.fromisoformat(until) if until else None
    except ValueError as error:
        raise typer.BadParameter(f"dates are YYYY-MM-DD ({error})") from None
    _setup()
    from octopus.governance import audit
    from octopus.governance.models import AuditEvent

    events = AuditEvent.objects.order_by("id")
    if first:
        events = events.filter(occurred_at__date__gte=first)
    if last:
        events = events.filter(occurred_at__date__lte=last)
    if person_id:
        events = events.filter(resident_id=person_id)
    handle = output.open("w", newline="", encoding="utf-8") if output else sys.stdout
    count = 0
    try:
        writer = csv.writer(handle) if fmt == "csv" else None
        if writer:
            writer.writerow(FIELDS)
        for event in events.iterator(chunk_size=5000):
            row = {name: getattr(event, name) for name in FIELDS}
            row["occurred_at"] = event.occurred_at.isoformat()
            if writer:
                writer.writerow([row[name] for name in FIELDS])
            else:
                handle.write(json.dumps(row) + "\n")
            count += 1
    finally:
        if output:
            handle.close()
    audit.record(None, "export", f"Exported {count} audit entries from the command line", resident_id=person_id or "")
    if output:
        typer.echo(f"Wrote {count} entries to {output}.", err=True)
