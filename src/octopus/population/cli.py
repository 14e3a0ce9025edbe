"""``octopus pipeline …`` and ``octopus export …``: run the population pipeline, list and export snapshots.

The lead registers these Typer apps in ``octopus/cli.py``: ``pipeline_app`` as ``pipeline``
and ``export_app`` as ``export``. ``app`` bundles both for running this module on its own.
"""

from __future__ import annotations

import csv
import logging
import sys
from datetime import date
from pathlib import Path

import pandas as pd
import pyarrow.parquet as pq
import typer

from octopus.clock import london_today
from octopus.population.diskfull import stop_cleanly_when_disk_full
from octopus.population.feeds.store import DATA_DIR_ENV, default_data_dir

app = typer.Typer(
    help="Population health engine: pipeline runs and exports.", no_args_is_help=True, add_completion=False
)
pipeline_app = typer.Typer(help="Run the population pipeline and list its snapshots.", no_args_is_help=True)
export_app = typer.Typer(help="Export from a population snapshot.", no_args_is_help=True)
app.add_typer(pipeline_app, name="pipeline")
app.add_typer(export_app, name="export")

# Same rule as ``octopus feeds …``: --data-dir, else $OCTOPUS_DATA_DIR, else ./var.
DATA_DIR_OPTION = typer.Option(
    None,
    "--data-dir",
    show_default=False,
    help=f"Folder holding linked/ and snapshots/ (default: ${DATA_DIR_ENV} or ./var).",
)

EXPORT_COLUMNS = {
    "person_id": "person_id",
    "nhs_number": "nhs_number",
    "risk_probability": "probability",
    "risk_centile": "centile",
    "risk_band": "band",
    "segment": "segment",
    "rising_risk": "rising_risk",
}


@pipeline_app.command("run")
def run(
    as_of: str = typer.Option(None, "--as-of", help="As-of date, YYYY-MM-DD (default today)."),
    engine: str = typer.Option("duckdb", "--engine", help="duckdb (embedded) or spark."),
    data_dir: Path = DATA_DIR_OPTION,
    case_managed: Path = typer.Option(None, "--case-managed", help="Text file of case-managed person ids, one a line."),
    model_config: Path = typer.Option(
        None,
        "--model-config",
        help=(
            "The risk model's settings (outcome), YAML; default model.yaml in OCTOPUS_CONFIG_DIR, else the shipped one."
        ),
    ),
) -> None:
    """Build features, train and score the risk model, and publish a snapshot."""
    from octopus.population.pipeline import PipelineConfig, run_pipeline

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s", stream=sys.stderr)
    try:
        when = date.fromisoformat(as_of) if as_of else london_today()
    except ValueError:
        raise typer.BadParameter(f"{as_of!r} is not a date: use YYYY-MM-DD.", param_hint="--as-of") from None
    if engine not in ("duckdb", "spark"):
        raise typer.BadParameter("choose duckdb or spark.", param_hint="--engine")
    data_dir = data_dir or default_data_dir()
    ids = frozenset()
    if case_managed:
        ids = frozenset(line.strip() for line in case_managed.read_text().splitlines() if line.strip())
    # A run writes into scratch and staging folders that are removed on failure (snapshot.py).
    kept = "Nothing of this run was kept; the snapshot in service is unchanged."
    with stop_cleanly_when_disk_full(lambda message: typer.echo(message, err=True), kept=kept):
        try:
            info = run_pipeline(
                data_dir / "linked",
                data_dir / "snapshots",
                as_of=when,
                engine=engine,
                config=PipelineConfig(case_managed=ids, model_file=model_config),
            )
        except Exception as error:
            unreadable = _unreadable_linked_file(error, data_dir / "linked")
            if unreadable is None:
                raise
            typer.echo(
                f"Stopped: {unreadable} in the linked extract cannot be read "
                f"({str(error).splitlines()[0][:300]}). {kept} Write the extract again with "
                "`octopus feeds link`.",
                err=True,
            )
            raise typer.Exit(1) from None
    typer.echo(
        f"Published snapshot {info.run_id} ({info.row_counts.get('residents.parquet', 0)} residents, "
        f"model {info.chosen_model}) at {info.path}"
    )


def _unreadable_linked_file(error: Exception, linked: Path) -> str | None:
    """The linked file a reading error names (a truncated or corrupt Parquet file), if any.

    Engines report these as their own exception types (DuckDB's InvalidInputException or
    IOException, Arrow's ArrowInvalid) with the path in the message; matching the path keeps
    every other failure's trace for the people who must fix it.
    """
    import re

    import duckdb
    import pyarrow as pa

    if not isinstance(error, duckdb.InvalidInputException | duckdb.IOException | pa.ArrowInvalid | OSError):
        return None
    found = re.search(re.escape(str(linked)) + r"/([^'\"\s]+\.parquet)", str(error))
    return found.group(1) if found else None


@pipeline_app.command("fit-default-model")
def fit_default(
    outcome: str = typer.Option("emergency_admission", "--outcome", help="The outcome to predict (config/model.yaml)."),
    residents: int = typer.Option(100_000, "--residents", help="Synthetic residents to fit on."),
    as_of: str = typer.Option("2026-03-31", "--as-of", help="The synthetic population's as-of date, YYYY-MM-DD."),
    seed: int = typer.Option(None, "--seed", help="Generator seed (default: the generator's own)."),
    work_dir: Path = typer.Option(None, "--work-dir", help="Folder for the synthetic population (reused if linked)."),
    out_dir: Path = typer.Option(None, "--out-dir", help="Where to write the model (default: the shipped folder)."),
) -> None:
    """Fit a shipped default model on Synthetic London: used when a population is too small to train."""
    from octopus.population.config import ConfigError
    from octopus.population.pipeline import code_version
    from octopus.population.risk.default_model import DEFAULT_MODELS_DIR
    from octopus.population.risk.fit_default import fit_default_model
    from octopus.population.risk.outcomes import outcome_named

    try:
        chosen = outcome_named(outcome)
    except ConfigError as error:
        raise typer.BadParameter(str(error), param_hint="--outcome") from None
    try:
        when = date.fromisoformat(as_of)
    except ValueError:
        raise typer.BadParameter(f"{as_of!r} is not a date: use YYYY-MM-DD.", param_hint="--as-of") from None
    path = fit_default_model(
        chosen,
        residents=residents,
        as_of=when,
        seed=seed,
        work_dir=work_dir,
        out_dir=out_dir or DEFAULT_MODELS_DIR,
        code_version=code_version(),
    )
    typer.echo(f"Wrote the default model for {chosen.title} to {path}")


@pipeline_app.command("snapshots")
def snapshots(data_dir: Path = DATA_DIR_OPTION) -> None:
    """List snapshots, newest last; * marks the one in service."""
    from octopus.population.snapshot import SnapshotStore

    store = SnapshotStore((data_dir or default_data_dir()) / "snapshots")
    current = store.current_id()
    runs = store.list()
    if not runs:
        typer.echo(f"No snapshots in {store.root}. Run `octopus pipeline run`.")
        return
    for m in runs:
        mark = "*" if m["run_id"] == current else " "
        typer.echo(
            f"{mark} {m['run_id']}  as of {m['as_of']}  {m['row_counts'].get('residents.parquet', '?')} residents"
            f"  {m['engine']}  {m['model_version']} ({m['chosen_model']})"
        )


@export_app.command("scores")
def export_scores(
    run_id: str = typer.Option(None, "--run", help="Snapshot run id (default: the current one)."),
    output_format: str = typer.Option("csv", "--format", help="Only csv for now."),
    data_dir: Path = DATA_DIR_OPTION,
    output: Path = typer.Option(None, "--output", "-o", help="File to write (default standard output)."),
    with_source_ids: bool = typer.Option(
        False,
        "--with-source-ids",
        help=(
            "Add a source_ids column: each partner's own identifier for the person (sender_code:id pairs, "
            "';'-separated), to join the scores back to a partner's extract without an NHS number."
        ),
    ),
) -> None:
    """Per resident: person id, NHS number, probability, centile, band, segment, rising-risk flag.

    Residents with a standing objection (national data opt-out, type 1) are left out: those in
    the snapshot's ``analytics_excluded`` column and anyone whose objection was loaded since
    (``<data dir>/linked/objections.parquet``; decision 0023).
    """
    from octopus.population.objections import objector_ids_from_file
    from octopus.population.snapshot import SnapshotStore

    if output_format != "csv":
        raise typer.BadParameter("only csv is supported.", param_hint="--format")
    data_dir = data_dir or default_data_dir()
    store = SnapshotStore(data_dir / "snapshots")
    run_id = run_id or store.current_id()
    if run_id is None:
        raise typer.BadParameter(f"no snapshot in service in {store.root}; run the pipeline first.", param_hint="--run")
    try:
        path = store.path(run_id)
    except FileNotFoundError as error:
        raise typer.BadParameter(str(error), param_hint="--run") from None
    available = set(pq.read_schema(path / "residents.parquet").names)
    frame = pd.read_parquet(
        path / "residents.parquet",
        columns=[*EXPORT_COLUMNS, *(["analytics_excluded"] if "analytics_excluded" in available else [])],
    )
    excluded = frame["person_id"].isin(objector_ids_from_file(data_dir / "linked"))
    if "analytics_excluded" in frame.columns:
        excluded |= frame.pop("analytics_excluded").fillna(False).astype(bool)
    # Snapshot rows are in no particular order (decision 0006); an export reads better sorted.
    frame = frame[~excluded].rename(columns=EXPORT_COLUMNS).sort_values("person_id")
    if with_source_ids:
        from octopus.population.source_ids import source_ids

        try:
            ids = source_ids(data_dir / "linked")
        except FileNotFoundError as error:
            raise typer.BadParameter(str(error), param_hint="--with-source-ids") from None
        frame = frame.merge(ids, on="person_id", how="left")
    handle = open(output, "w", newline="") if output else sys.stdout
    try:
        frame.to_csv(handle, index=False, quoting=csv.QUOTE_MINIMAL)
    finally:
        if output:
            handle.close()


if __name__ == "__main__":
    app()
