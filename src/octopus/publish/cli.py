"""``octopus publish``: put the current population snapshot and the linked extract into the
operational database (residents, timeline, deaths); registered in ``octopus/cli.py``."""

import time
from pathlib import Path
from typing import Annotated

import typer


def publish(
    data_dir: Annotated[
        Path | None,
        typer.Option(
            "--data-dir",
            help="Folder holding linked/ and snapshots/ (default: $OCTOPUS_DATA_DIR or ./var).",
            show_default=False,
        ),
    ] = None,
    run_id: Annotated[
        str | None, typer.Option("--run-id", help="Publish this snapshot instead of the current one.")
    ] = None,
    allow_withdrawals: Annotated[
        bool,
        typer.Option(
            "--allow-withdrawals",
            help="A partner did withdraw many records: publish a feed even if it takes more than a fifth of "
            "its timeline events away (otherwise refused as a likely cut-short file).",
        ),
    ] = False,
) -> None:
    """Publish the current population snapshot into the operational database (residents, timeline, deaths)."""
    from octopus.commands.django_setup import setup

    setup()
    from django.conf import settings
    from rich.console import Console

    from octopus.population.snapshot import SnapshotStore
    from octopus.publish import PublishError
    from octopus.publish import publish as run

    console = Console(stderr=True)
    folder = Path(data_dir or settings.DATA_DIR)
    persons = folder / "linked" / "persons.parquet"
    if not persons.is_file():
        console.print(f"[red]No linked extract[/red] at {persons}. Run `octopus feeds link` first.", highlight=False)
        raise typer.Exit(1)
    store = SnapshotStore(folder / "snapshots")
    chosen = run_id or store.current_id()
    try:
        snapshot = store.path(chosen) if chosen else None
    except FileNotFoundError as error:
        console.print(f"[red]{error}[/red]", highlight=False)
        raise typer.Exit(1) from None
    started = time.monotonic()
    published = 0
    last_line = [0.0]
    with console.status("Publishing…") as status:

        def progress(rows: int) -> None:
            # A 1M-resident publish takes minutes: say how far it has got and how fast it goes.
            nonlocal published
            published += rows
            elapsed = time.monotonic() - started
            said = f"Publishing… {published:,} rows in {elapsed:.0f} s ({published / max(elapsed, 0.001):,.0f} rows/s)"
            status.update(said)
            if not console.is_terminal and elapsed - last_line[0] >= 10:  # a log file gets a line each 10 s
                last_line[0] = elapsed
                console.print(said, highlight=False)

        try:
            report = run(persons, snapshot, progress=progress, allow_withdrawals=allow_withdrawals)
        except PublishError as error:
            console.print(f"[red]Not published[/red]: {error} Nothing was changed.", highlight=False)
            raise typer.Exit(1) from None
    elapsed = time.monotonic() - started
    typer.echo(
        f"Published {report.run_id} (as of {report.as_of}): {report.residents:,} residents, "
        f"{report.households:,} households; timeline +{report.activity_added:,} "
        f"~{report.activity_updated:,} -{report.activity_removed:,}; {report.deaths} deaths recorded; "
        f"{published:,} rows in {elapsed:.1f} s ({published / max(elapsed, 0.001):,.0f} rows/s)."
    )
