"""The population pipeline: linked extract in, a published population snapshot out.

Steps: read the linked extract; build features at the as-of date and at the two training dates
(Ibis, on DuckDB or Spark); train, choose and calibrate the risk model (pandas/scikit-learn);
evaluate it on held-out residents and a later period; score, band and explain; flag rising risk
against the previous snapshot; assign segments and cohorts (Ibis again); write and publish the
snapshot. Logs carry step names, timings and row counts, never resident rows.
"""

from __future__ import annotations

import json
import logging
import subprocess
import time
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path

import pandas as pd
from rich.console import Console

from octopus.population import engines
from octopus.population.cohorts.compile import cohort_members
from octopus.population.cohorts.load import COHORTS_FILE, load_cohorts
from octopus.population.features import build_features
from octopus.population.features.periods import YEAR
from octopus.population.linked import read_linked
from octopus.population.risk.bands import BANDS_FILE, load_bands
from octopus.population.risk.design import outcome
from octopus.population.risk.metrics import evaluate
from octopus.population.risk.model_card import build_card, write_card
from octopus.population.risk.rising import flag_rising_risk
from octopus.population.risk.score import score_residents
from octopus.population.risk.train import MODEL_VERSION, TrainingDataError, split_roles, train
from octopus.population.segments import SEGMENTS_FILE, load_segments, with_segments
from octopus.population.snapshot import SnapshotStore, new_run_id

log = logging.getLogger("octopus.population.pipeline")


@dataclass(frozen=True)
class PipelineConfig:
    bands_file: Path = BANDS_FILE
    segments_file: Path = SEGMENTS_FILE
    cohorts_file: Path = COHORTS_FILE
    case_managed: frozenset[str] = frozenset()
    bootstrap_resamples: int = 200
    show_progress: bool = True
    # The later-period check builds features a third time (two years back); parity tests skip it.
    later_period: bool = True


@dataclass
class SnapshotInfo:
    run_id: str
    path: Path
    as_of: date
    engine: str
    model_version: str
    chosen_model: str
    row_counts: dict[str, int] = field(default_factory=dict)
    timings: dict[str, float] = field(default_factory=dict)
    cpu: dict[str, float] = field(default_factory=dict)


def code_version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        package = version("octopus-int")
    except PackageNotFoundError:
        package = "unknown"
    try:
        commit = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], cwd=Path(__file__).parent,
            capture_output=True, text=True, timeout=5, check=True,
        ).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        commit = "unknown"
    return f"{package}+{commit}"


class _Steps:
    def __init__(self, show: bool):
        self.timings: dict[str, float] = {}
        # CPU seconds (all threads) beside wall seconds: on a shared machine wall time says
        # more about the neighbours than about the step.
        self.cpu: dict[str, float] = {}
        self.counts: dict[str, int] = {}
        self.console = Console(stderr=True, quiet=not show)

    @contextmanager
    def step(self, name: str):
        started, cpu_started = time.perf_counter(), time.process_time()
        with self.console.status(f"[bold]{name}[/bold]…"):
            yield
        self.timings[name] = round(time.perf_counter() - started, 3)
        self.cpu[name] = round(time.process_time() - cpu_started, 3)
        self.console.log(f"{name} done in {self.timings[name]:.1f}s ({self.cpu[name]:.1f}s CPU)")
        log.info("step %s took %.2fs (%.2fs CPU)", name, self.timings[name], self.cpu[name])

    def count(self, name: str, rows: int):
        self.counts[name] = int(rows)
        log.info("%s: %d rows", name, rows)


def _features(con, linked, as_of: date, *, with_outcome: bool = False) -> pd.DataFrame:
    return engines.execute(con, build_features(linked, as_of, with_outcome=with_outcome, ordered=False),
                           sort_by="person_id")


def _later_period(linked, con, as_of: date, chosen_kind: str, resamples: int, later: pd.DataFrame) -> dict:
    """Train the same specification two years back and test it one year later.

    ``later`` is the training frame (features as of ``as_of`` - 12 months with their outcome):
    the later period's test residents are its held-out ones.
    """
    earlier = _features(con, linked, as_of - 2 * YEAR, with_outcome=True)
    try:
        result = train(earlier)
    except TrainingDataError as error:
        return {"reason": f"Not available: {error}"}
    model = result.candidates[chosen_kind]
    held_out = later[(split_roles(later["person_id"]) == "test").to_numpy()]
    return {
        "description": (
            f"The {chosen_kind} specification trained on features as of {as_of - 2 * YEAR} "
            f"(outcome to {as_of - YEAR}) and tested on held-out residents' features as of "
            f"{as_of - YEAR} (outcome to {as_of})."
        ),
        "figures": evaluate(outcome(held_out), model.predict(held_out), resamples=resamples),
    }


def run_pipeline(linked_dir: Path | str, out_dir: Path | str, *, as_of: date, engine: str = "duckdb",
                 config: PipelineConfig | None = None) -> SnapshotInfo:
    """Run the whole pipeline and publish a snapshot under ``out_dir`` (``<data_dir>/snapshots``)."""
    config = config or PipelineConfig()
    steps = _Steps(config.show_progress)
    store = SnapshotStore(out_dir)
    scale = load_bands(config.bands_file)
    segment_rules = load_segments(config.segments_file)
    cohorts = load_cohorts(config.cohorts_file)
    run_id = new_run_id()
    log.info("run %s: as of %s on %s", run_id, as_of, engine)

    with steps.step("connect"):
        con = engines.connect(engine)
        linked = read_linked(linked_dir, con)
    with steps.step("features"):
        current = _features(con, linked, as_of)
        steps.count("residents", len(current))
    training_as_of = as_of - YEAR
    with steps.step("training features"):
        training = _features(con, linked, training_as_of, with_outcome=True)
        steps.count("training residents", len(training))
    with steps.step("train"):
        result = train(training)
    with steps.step("evaluate"):
        later = (
            _later_period(linked, con, as_of, result.chosen.kind, config.bootstrap_resamples, training)
            if config.later_period else {"reason": "Not run (later_period switched off in the pipeline config)."}
        )
        card = build_card(result, training_as_of=training_as_of, later_period=later,
                          resamples=config.bootstrap_resamples)
    with steps.step("score"):
        scored = score_residents(current, result, scale)
        previous, previous_manifest = store.current_residents()
        scored = flag_rising_risk(
            scored, previous, scale.rising_risk, config.case_managed,
            previous_manifest["as_of"] if previous_manifest else None,
        )
        steps.count("rising risk", int(scored["rising_risk"].sum()))
    with steps.step("segments and cohorts"):
        table = engines.table_from_frame(con, scored, "scored")
        del scored  # now a Parquet file the engine reads; the segmented copy replaces it
        residents = engines.execute(con, with_segments(table, segment_rules), sort_by="person_id")
        members = engines.execute(
            con, cohort_members(cohorts, engines.table_from_frame(con, residents, "residents")).order_by(["cohort", "person_id"])
        )
        steps.count("cohort memberships", len(members))
    with steps.step("publish"), store.staging(run_id) as staging:
        residents.to_parquet(staging / "residents.parquet", index=False)
        members.to_parquet(staging / "cohorts.parquet", index=False)
        write_card(card, result, staging)
        cohort_summary = [
            {"name": c.name, "title": c.title, "description": c.description,
             "size": int((members["cohort"] == c.name).sum()), "as_of": as_of.isoformat()}
            for c in cohorts
        ]
        (staging / "cohorts.json").write_text(json.dumps(cohort_summary, indent=2))
        manifest = {
            "run_id": run_id,
            "as_of": as_of.isoformat(),
            "created_at": datetime.now(UTC).isoformat(timespec="seconds"),
            "engine": engine,
            "code_version": code_version(),
            "model_version": MODEL_VERSION,
            "chosen_model": result.chosen.kind,
            "linked_extract": {"directory": str(Path(linked_dir)), "delivered_feeds": list(linked.delivered),
                               "manifest": linked.manifest},
            "previous_run_id": previous_manifest["run_id"] if previous_manifest else None,
            "row_counts": {**steps.counts, "residents.parquet": len(residents), "cohorts.parquet": len(members)},
            "step_timings_seconds": steps.timings,
            "step_cpu_seconds": steps.cpu,
            "config": {"bands": str(config.bands_file), "segments": str(config.segments_file),
                       "cohorts": str(config.cohorts_file), "case_managed": len(config.case_managed)},
        }
        (staging / "manifest.json").write_text(json.dumps(manifest, indent=2, default=str))
    log.info("run %s published", run_id)
    return SnapshotInfo(run_id, store.root / run_id, as_of, engine, MODEL_VERSION, result.chosen.kind,
                        manifest["row_counts"], steps.timings, steps.cpu)
