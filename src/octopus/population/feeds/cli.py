"""`octopus feeds ...`: load partner deliveries, import FHIR, link persons, review, status.

Output names files, rows and fields but never prints patient-level values, except where the
user asks to see the quarantine or the review queue.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from octopus.population.diskfull import stop_cleanly_when_disk_full
from octopus.population.feeds.load import DEFAULT_MAX_BAD_SHARE, load_files
from octopus.population.feeds.quarantine import export_quarantine, quarantined
from octopus.population.feeds.store import DATA_DIR_ENV, FeedStore, default_data_dir
from octopus.population.feeds.validate import FeedRejected

app = typer.Typer(help="Partner data feeds: load, import FHIR, link persons, review.", no_args_is_help=True)
quarantine_app = typer.Typer(help="Rows that failed validation.", no_args_is_help=True)
review_app = typer.Typer(help="Clerical review of possible person matches.", no_args_is_help=True)
app.add_typer(quarantine_app, name="quarantine")
app.add_typer(review_app, name="review")
console = Console(stderr=True)
out = Console()

DataDir = Annotated[
    Path | None,
    typer.Option("--data-dir", help=f"Data folder (default: ${DATA_DIR_ENV} or ./var).", show_default=False),
]


def _store(data_dir: Path | None) -> FeedStore:
    return FeedStore.open(data_dir or default_data_dir())


def _codelists(codelist_dir: Path | None) -> Path | None:
    if codelist_dir:
        return codelist_dir
    env = os.environ.get("OCTOPUS_CODELISTS_DIR")
    return Path(env) if env else None


# Each file's rows are one transaction (load.py), so a full disk part-way stores none of that file.
LOAD_KEPT = (
    "Each file is stored whole or not at all: files reported as loaded above are stored, the rest "
    "are not, and earlier deliveries are unchanged."
)


def _say(message: str) -> None:
    console.print(f"[red]Stopped[/red]{message.removeprefix('Stopped')}", highlight=False)


@app.command()
def load(
    paths: Annotated[list[Path], typer.Argument(help="CSV or Parquet files, named <feed>__<anything>.csv")],
    feed: Annotated[
        str | None, typer.Option("--feed", help="Declare the feed instead of reading it from the file name.")
    ] = None,
    max_bad_share: Annotated[
        float, typer.Option(help="Reject a file whole above this share of bad rows.")
    ] = DEFAULT_MAX_BAD_SHARE,
    codelist_dir: Annotated[Path | None, typer.Option(help="Folder of code lists (env OCTOPUS_CODELISTS_DIR).")] = None,
    data_dir: DataDir = None,
) -> None:
    """Validate and load feed files; bad rows are quarantined, bad files rejected whole."""
    rejected = 0
    with (
        stop_cleanly_when_disk_full(_say, kept=LOAD_KEPT),
        _store(data_dir) as store,
        Progress(
            TextColumn("{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            console=console,
            transient=True,
        ) as progress,
    ):
        task = progress.add_task(f"Loading {len(paths)} file(s), rows read", total=None)
        outcomes = load_files(
            store,
            paths,
            feed_name=feed,
            max_bad_share=max_bad_share,
            codelist_dir=_codelists(codelist_dir),
            on_rows=lambda n: progress.advance(task, n),
        )
        for _, result in outcomes:
            if isinstance(result, FeedRejected):
                rejected += 1
                progress.console.print(f"[red]Rejected[/red] {result}", highlight=False)
            else:
                out.print(result.summary(), highlight=False)
    if rejected:
        raise typer.Exit(1)


@app.command("load-fhir")
def load_fhir(
    directories: Annotated[
        list[Path],
        typer.Argument(
            help=(
                "Folder of FHIR R4 Bundle JSON files, or of a Bulk Data $export (*.ndjson, *.ndjson.gz); "
                "several folders (one delivery each) are loaded together, feed by feed."
            )
        ),
    ],
    sender_code: Annotated[
        str | None, typer.Option(help="Sender code (default FHIR-<FOLDER NAME>; one folder only).")
    ] = None,
    data_dir: DataDir = None,
) -> None:
    """Import FHIR R4 bundles or a Bulk Data export through the validated feed path (docs/reference/fhir-import.md)."""
    from octopus.population.feeds.fhir import import_fhir_deliveries, import_fhir_directory

    if sender_code and len(directories) > 1:
        raise typer.BadParameter(
            "give --sender-code with one folder only: each folder's name is its sender.", param_hint="--sender-code"
        )
    with stop_cleanly_when_disk_full(_say, kept=LOAD_KEPT), _store(data_dir) as store:
        try:
            if len(directories) == 1:
                reports = [import_fhir_directory(store, directories[0], sender_code=sender_code)]
            else:
                reports = import_fhir_deliveries(store, [(folder, None) for folder in directories])
        except FeedRejected as error:
            console.print(f"[red]Rejected[/red] {error}", highlight=False)
            raise typer.Exit(1) from None
    for report in reports:
        for line in report.summary_lines():
            out.print(line, highlight=False)


@app.command()
def link(
    upper: Annotated[
        float, typer.Option(help="Match probability at or above which records link automatically.")
    ] = 0.99,
    lower: Annotated[float, typer.Option(help="Match probability from which pairs go to clerical review.")] = 0.5,
    linkage_config: Annotated[
        Path | None,
        typer.Option(help="Threads and memory limit for linkage (default: the package's config/linkage.yaml)."),
    ] = None,
    data_dir: DataDir = None,
) -> None:
    """Link records to persons and write the linked extract (<data-dir>/linked/)."""
    from octopus.population.linkage.extract import write_linked_extract
    from octopus.population.linkage.persons import link_persons
    from octopus.population.linkage.resources import load_resources

    resources = load_resources(linkage_config) if linkage_config else load_resources()
    console.print(f"Linking with {resources.describe()}", highlight=False)
    kept = "The linked extract in use is the previous one until a run completes."
    with (
        stop_cleanly_when_disk_full(_say, kept=kept),
        _stop_cleanly_when_out_of_memory(resources, linkage_config, kept),
        _store(data_dir) as store,
        Progress(
            TextColumn("{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TextColumn("{task.fields[rate]}"),
            TimeElapsedColumn(),
            TextColumn("{task.fields[left]}"),
            console=console,
            transient=True,
        ) as progress,
    ):
        task = progress.add_task("Linking", total=None, rate="", left="")
        summary = link_persons(
            store,
            upper=upper,
            lower=lower,
            resources=resources,
            progress=lambda p: _show_link_progress(progress, task, p),
        )
        progress.update(task, description="Writing the linked extract", total=None, completed=0, rate="", left="")
        target = write_linked_extract(store)
    out.print(summary.describe(), highlight=False)
    out.print(f"Linked extract written to {target}", highlight=False)


@contextmanager
def _stop_cleanly_when_out_of_memory(resources, linkage_config: Path | None, kept: str) -> Iterator[None]:
    """DuckDB's own message suggests SQL settings; say instead which file sets the limit."""
    import duckdb

    try:
        yield
    except duckdb.OutOfMemoryException:
        from octopus.config.folder import path_for

        source = linkage_config or path_for("linkage.yaml")
        _say(
            f"Stopped: linkage needed more memory than DuckDB may use here ({resources.describe()}, set by "
            f"{source}). {kept} Raise memory_limit in that file, or give "
            "another with --linkage-config, and run the command again."
        )
        raise typer.Exit(1) from None


def _show_link_progress(progress: Progress, task, state) -> None:
    rate, left = state.rate(), state.seconds_left()
    counts = f"{state.pairs_blocked:,} blocked, {state.pairs_compared:,} compared, {state.pairs_clustered:,} clustered"
    progress.update(
        task,
        description=f"{state.stage.capitalize()} ({counts})",
        total=state.total,
        completed=state.done,
        rate=f"{rate:,.0f} {state.unit}/s" if rate else "",
        left=f"about {left:,.0f}s left" if left is not None else "",
    )


@quarantine_app.command("list")
def quarantine_list(
    feed: Annotated[str | None, typer.Option(help="Only this feed.")] = None,
    file: Annotated[str | None, typer.Option(help="Only this file name.")] = None,
    limit: Annotated[int, typer.Option(help="Show at most this many.")] = 50,
    data_dir: DataDir = None,
) -> None:
    """Show quarantined values: file, row, field, value and reason."""
    with _store(data_dir) as store:
        rows = quarantined(store, feed=feed, file_name=file, limit=limit)
    table = Table("file", "row", "field", "value", "reason")
    for row in rows:
        table.add_row(row.file_name, str(row.row_number), row.field, row.value or "", row.reason)
    out.print(table)


@quarantine_app.command("export")
def quarantine_export(
    path: Annotated[Path, typer.Argument(help="CSV file to write.")],
    feed: Annotated[str | None, typer.Option(help="Only this feed.")] = None,
    file: Annotated[str | None, typer.Option(help="Only this file name.")] = None,
    data_dir: DataDir = None,
) -> None:
    """Export quarantined values to CSV for the sender to fix."""
    with _store(data_dir) as store:
        count = export_quarantine(store, path, feed=feed, file_name=file)
    out.print(f"Wrote {count} quarantined values to {path}", highlight=False)


@review_app.command("list")
def review_list(data_dir: DataDir = None) -> None:
    """Pairs waiting for a clerical decision, fields side by side."""
    from octopus.population.linkage.review import review_queue

    with _store(data_dir) as store:
        pairs = review_queue(store)
    for pair in pairs:
        table = Table(title=f"{pair.pair_id}  p={pair.match_probability:.3f}", show_header=True)
        table.add_column("field")
        table.add_column(pair.left_key)
        table.add_column(pair.right_key)
        for name, left, right in pair.fields:
            table.add_row(name, str(left or ""), str(right or ""))
        out.print(table)
    out.print(f"{len(pairs)} pair(s) to review.", highlight=False)


@review_app.command("decide")
def review_decide(
    pair_id: Annotated[str, typer.Argument()],
    decision: Annotated[str, typer.Argument(help="match or non_match")],
    decided_by: Annotated[str, typer.Option("--by", help="Who decided.")],
    data_dir: DataDir = None,
) -> None:
    """Record a decision; it takes effect at the next `octopus feeds link`."""
    from octopus.population.linkage.review import decide

    with _store(data_dir) as store:
        decide(store, pair_id, decision, decided_by)  # type: ignore[arg-type]
    out.print(f"Recorded {decision} for {pair_id}; run `octopus feeds link` to apply it.", highlight=False)


@app.command()
def status(data_dir: DataDir = None) -> None:
    """Deliveries loaded, rows current per feed, quarantine and review counts."""
    with _store(data_dir) as store:
        con = store.connection
        table = Table("feed", "deliveries", "current rows", "quarantined values")
        for name in sorted(store.contracts):
            deliveries, quarantined_count = con.execute(
                "SELECT (SELECT count(*) FROM deliveries WHERE feed = ?), "
                "(SELECT count(*) FROM quarantine WHERE feed = ?)",
                [name, name],
            ).fetchone()
            current = con.execute(f"SELECT count(*) FROM ({store.current_rows_sql(name)})").fetchone()[0]
            table.add_row(name, str(deliveries), str(current), str(quarantined_count))
        out.print(table)
        try:
            persons, pending = con.execute(
                "SELECT (SELECT count(*) FROM person_registry WHERE merged_into IS NULL), "
                "(SELECT count(*) FROM review_queue q "
                "WHERE NOT EXISTS (SELECT 1 FROM review_decisions d WHERE d.pair_id = q.pair_id))"
            ).fetchone()
            out.print(f"{persons} persons; {pending} pair(s) awaiting review.", highlight=False)
        except Exception:  # noqa: BLE001 — linkage has not run yet, so its tables do not exist
            out.print("Linkage has not run yet.", highlight=False)
