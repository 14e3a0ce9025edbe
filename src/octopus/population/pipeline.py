"""The population pipeline: linked extract in, a published population snapshot out.

Steps: read the linked extract; build features at the as-of date and at the two training dates
(Ibis, on DuckDB or Spark); train, choose and calibrate the risk model (pandas/scikit-learn);
evaluate it on held-out residents and a later period (both in a thread beside the engine's
steps, decision 0071); score, band and explain; flag rising risk
against the previous snapshot; assign segments and cohorts (Ibis again); write and publish the
snapshot. Logs carry step names, timings and row counts, never resident rows.
"""

from __future__ import annotations

import json
import logging
import os
import queue
import shutil
import socket
import subprocess
import tempfile
import threading
import time
import uuid
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path

import ibis
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
from rich.console import Console

from octopus.config import record as config_record
from octopus.population import engines
from octopus.population.chart_tables import write_chart_tables
from octopus.population.cohorts.compile import cohort_members
from octopus.population.cohorts.load import load_cohorts
from octopus.population.features import build_features, demographics
from octopus.population.features.periods import YEAR, Period
from octopus.population.features.registration import with_registration_area
from octopus.population.inequalities import inequality_counts, long_counts
from octopus.population.life_expectancy import counts_frame as life_expectancy_counts
from octopus.population.linked import LinkedExtract, read_linked
from octopus.population.objections import FEED as OBJECTIONS_FEED
from octopus.population.objections import active_objections, objector_ids
from octopus.population.risk.bands import load_bands
from octopus.population.risk.design import outcome as outcome_labels
from octopus.population.risk.outcomes import Outcome, load_model_config
from octopus.population.risk.rising import COMPARED_COLUMNS, events_since
from octopus.population.risk.roles import SPLIT_SHARES, in_role_sample, split_roles
from octopus.population.risk.score import FACTORS_PERSON_ID, score_file
from octopus.population.segments import load_segments, with_segments
from octopus.population.snapshot import SnapshotStore, new_run_id

log = logging.getLogger("octopus.population.pipeline")


@dataclass(frozen=True)
class PipelineConfig:
    # None: the file in effect, the place's own in OCTOPUS_CONFIG_DIR or else the shipped default.
    bands_file: Path | None = None
    segments_file: Path | None = None
    cohorts_file: Path | None = None
    model_file: Path | None = None
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
            ["git", "rev-parse", "--short", "HEAD"],
            cwd=Path(__file__).parent,
            capture_output=True,
            text=True,
            timeout=5,
            check=True,
        ).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        commit = "unknown"
    return f"{package}+{commit}"


class _Steps:
    """Each step's wall and CPU seconds. Model fitting and evaluation run ``beside`` the engine's
    steps (one background thread), so their CPU is that thread's own and is taken out of the
    CPU of the step they overlapped: the figures still add up to the process's CPU."""

    def __init__(self, show: bool):
        self.timings: dict[str, float] = {}
        # CPU seconds beside wall seconds: on a shared machine wall time says more about the
        # neighbours than about the step.
        self.cpu: dict[str, float] = {}
        self.counts: dict[str, int] = {}
        self.console = Console(stderr=True, quiet=not show)
        self._aside_lock = threading.Lock()
        # Each running background step's thread CPU clock and its reading when the step began.
        self._aside_clocks: dict[int, tuple[int, float]] = {}
        self._aside_done = 0.0  # CPU seconds of background steps that have finished
        self._done: queue.SimpleQueue[str] = queue.SimpleQueue()  # finished, not yet reported

    def _aside_cpu(self) -> float:
        with self._aside_lock:
            return self._aside_done + sum(time.clock_gettime(c) - s for c, s in self._aside_clocks.values())

    def _finish(self, name: str, started: float, cpu: float):
        self.timings[name] = round(time.perf_counter() - started, 3)
        self.cpu[name] = round(cpu, 3)
        self._done.put(name)

    def _report(self):
        # From the run's own thread only: a log handler may write the line to the run's job row
        # through its thread's database connection (``intake.tasks``).
        while not self._done.empty():
            name = self._done.get()
            self.console.log(f"{name} done in {self.timings[name]:.1f}s ({self.cpu[name]:.1f}s CPU)")
            log.info("step %s took %.2fs (%.2fs CPU)", name, self.timings[name], self.cpu[name])

    @contextmanager
    def step(self, name: str):
        self._report()
        started, cpu_started, aside_started = time.perf_counter(), time.process_time(), self._aside_cpu()
        with self.console.status(f"[bold]{name}[/bold]…"):
            yield
        self._finish(name, started, time.process_time() - cpu_started - (self._aside_cpu() - aside_started))
        self._report()

    def wait(self, future: Future):
        """The result of a step run ``beside``, its timing reported."""
        try:
            return future.result()
        finally:
            self._report()

    def beside(self, executor: ThreadPoolExecutor, name: str, fn, *args, **kwargs) -> Future:
        """Run ``fn`` as step ``name`` on ``executor`` while the caller goes on with the next
        steps. Only pure Python, NumPy and scikit-learn work (they release the GIL in their
        loops) or engine work on a connection of its own (``engines.second_connection``) goes
        here; the engine's first connection stays with the calling thread."""

        def run():
            key = threading.get_ident()
            clock = time.pthread_getcpuclockid(key)
            started, cpu_started = time.perf_counter(), time.clock_gettime(clock)
            with self._aside_lock:
                self._aside_clocks[key] = (clock, cpu_started)
            try:
                return fn(*args, **kwargs)
            finally:
                with self._aside_lock:
                    cpu = time.clock_gettime(clock) - cpu_started
                    del self._aside_clocks[key]
                    self._aside_done += cpu
                self._finish(name, started, cpu)

        return executor.submit(run)

    def count(self, name: str, rows: int):
        self.counts[name] = int(rows)
        log.info("%s: %d rows", name, rows)


def _features(
    con,
    linked,
    as_of: date,
    path: Path,
    *,
    outcome: Outcome | None = None,
    with_prevention: bool = True,
    objectors: bool = True,
    residents: int | None = None,
) -> tuple[list[Path], int]:
    """Features as of a date into Parquet files (rows in no particular order); returns the
    files and the number of residents. Large populations are built in parts (``parts_for``).

    ``objectors=False`` leaves out everyone with a standing objection (national data opt-out,
    type 1): training and evaluation are uses beyond their own care (decision 0023).
    With an ``outcome`` the features carry it over the following 12 months (training).
    """
    if residents is None:
        residents = linked.persons.count().to_pyarrow().as_py()
    parts = engines.parts_for(con, residents)
    paths, rows = [], 0
    for index in range(parts):
        part_path = path.with_name(f"{path.stem}-{index}.parquet")
        part = linked.part(index, parts)
        extra = {"outcome_events": outcome.events} if outcome else {}
        expression = build_features(
            part,
            as_of,
            with_outcome=outcome is not None,
            ordered=False,
            with_prevention=with_prevention,
            **extra,
        )
        if not objectors:
            expression = expression.anti_join(active_objections(part.feed(OBJECTIONS_FEED)), "person_id")
        rows += engines.write_parquet(con, expression, part_path)
        paths.append(part_path)
    return paths, rows


def _training_population(
    con, linked, as_of: date, outcome: Outcome, scratch: Path, roles: tuple[str, ...]
) -> tuple[LinkedExtract, int, dict[str, int]]:
    """The extract restricted to the residents training reads at a date, and the whole population.

    Which residents a training frame keeps (``train.in_role_sample``) depends only on their id
    and the number of residents, so it is decided before the features are built: the engine then
    builds features for the sample alone (at 1M residents 60% of them, at 9M under 10%) instead
    of for everyone and throwing the rest away. The card still reports the whole population:
    residents (objectors left out, decision 0023) and those with the outcome, counted here.
    """
    period = Period(as_of)
    alive = demographics.residents(linked, period).select("person_id")
    alive = alive.anti_join(active_objections(linked.feed(OBJECTIONS_FEED)), "person_id")
    ids = con.to_pyarrow(alive)["person_id"].to_numpy(zero_copy_only=False)
    residents = len(ids)
    events_table = outcome.events(linked, period)
    with_outcome = alive.semi_join(events_table.filter(events_table.outcome_events_next_year > 0), "person_id")
    events = int(con.to_pyarrow(with_outcome.count()).as_py()) if residents else 0
    keep = in_role_sample(ids, residents, roles=roles)
    sample_path = scratch / f"sample-{as_of}.parquet"
    pq.write_table(pa.table({"person_id": pa.array(ids[keep], type=pa.string())}), sample_path)
    sample = con.read_parquet(str(sample_path), table_name=f"sample_{uuid.uuid4().hex[:8]}")
    return linked.only(sample), int(keep.sum()), {"residents": residents, "events": events}


def _training_files(
    con, linked, as_of: date, path: Path, outcome: Outcome, roles: tuple[str, ...] = tuple(SPLIT_SHARES)
) -> tuple[list[Path], int, dict[str, int]]:
    """Features with their outcome at a training date, for a stable sample per role, in Parquet
    files (``_frame`` reads them); returns the files, their rows and the whole population.

    Only the sampled residents' features are built (``_training_population``). ``roles`` narrows
    the sample further (the later-period check fits and calibrates, and tests on residents of
    another date).
    """
    sampled, size, population = _training_population(con, linked, as_of, outcome, path.parent, roles)
    paths, rows = _features(
        con, sampled, as_of, path, outcome=outcome, with_prevention=False, objectors=False, residents=size
    )
    return paths, rows, population


def _frame(paths: list[Path]) -> pd.DataFrame:
    """A training sample's files as one frame sorted by person id, so that fitting sees the same
    rows in the same order on every engine; the files are removed. Arrow and pandas work only:
    the pipeline runs it beside the engine's next step."""
    table = engines.sorted_by(pa.concat_tables(pq.read_table(part) for part in paths), "person_id")
    for part in paths:
        part.unlink()
    return engines.to_pandas(table)


def _training_frame(
    con, linked, as_of: date, path: Path, outcome: Outcome, roles: tuple[str, ...] = tuple(SPLIT_SHARES)
) -> tuple[pd.DataFrame, dict[str, int]]:
    """``_training_files`` read into a frame (``_frame``)."""
    paths, _, population = _training_files(con, linked, as_of, path, outcome, roles)
    return _frame(paths), population


def _import_model_code() -> None:
    """Import scikit-learn, SciPy and matplotlib (through the modules that use them): about a
    second of one core, run beside the engine's first step instead of before it. The model's
    steps import them again where they use them, which costs nothing once done."""
    from octopus.population.risk import default_model, metrics, model_card, train  # noqa: F401


def _fitted(paths: list[Path], population: dict[str, int], outcome: Outcome):
    """The training frame (from ``_training_files``) and the trained result, or the shipped
    default model and its card when the population is too small to train (a practice, a test
    population)."""
    from octopus.population.risk.default_model import load_default
    from octopus.population.risk.model_card import fallback_card
    from octopus.population.risk.train import TrainingDataError, train

    frame = _frame(paths)
    try:
        result = train(frame)
    except TrainingDataError as error:
        log.info("training not possible (%s); scoring with the default model", error)
        result = load_default(outcome)
        return frame, result, fallback_card(result, reason=str(error), population=population)
    result.population = population
    return frame, result, None


def _later_period_files(con, linked, as_of: date, scratch: Path, outcome: Outcome) -> tuple[list[Path], int]:
    """Features as of two years back with their outcome a year on, for fitting and calibration
    (read by ``_frame``), and their rows: the later period's test residents are the training
    frame's held-out ones."""
    paths, rows, _ = _training_files(
        con,
        linked,
        as_of - 2 * YEAR,
        scratch / f"features-{as_of - 2 * YEAR}.parquet",
        outcome,
        ("train", "validation"),
    )
    return paths, rows


def _later_period(as_of: date, chosen_kind: str, resamples: int, earlier: pd.DataFrame, later: pd.DataFrame) -> dict:
    """Train the same specification two years back (``earlier``) and test it one year later.

    ``later`` is the training frame (features as of ``as_of`` - 12 months with their outcome):
    the later period's test residents are its held-out ones.
    """
    from octopus.population.risk.metrics import evaluate
    from octopus.population.risk.train import TrainingDataError, train

    try:
        model = train(earlier, (chosen_kind,)).candidates[chosen_kind]
    except TrainingDataError as error:
        return {"reason": f"Not available: {error}"}
    held_out = later[(split_roles(later["person_id"]) == "test").to_numpy()]
    return {
        "description": (
            f"The {chosen_kind} specification trained on features as of {as_of - 2 * YEAR} "
            f"(outcome to {as_of - YEAR}) and tested on held-out residents' features as of "
            f"{as_of - YEAR} (outcome to {as_of})."
        ),
        "figures": evaluate(outcome_labels(held_out), model.predict(held_out), resamples=resamples),
    }


def _card(
    result, card, *, as_of: date, frame, earlier: list[Path] | None, config: PipelineConfig, outcome: Outcome
) -> dict:
    """The model card: the default model's as given, a trained model's with its later period
    (``earlier``: the later period's files, from ``_later_period_files``)."""
    from octopus.population.risk.model_card import build_card

    if card is not None:
        return card
    if earlier is not None:
        earlier = _frame(earlier)
    later = (
        _later_period(as_of, result.chosen.kind, config.bootstrap_resamples, earlier, frame)
        if earlier is not None
        else {"reason": "Not run (later_period switched off in the pipeline config)."}
    )
    return build_card(
        result,
        training_as_of=as_of - YEAR,
        later_period=later,
        resamples=config.bootstrap_resamples,
        predicts=outcome,
    )


def _previous_snapshot(store: SnapshotStore):
    """The snapshot in service: its rows (the columns rising risk compares) and manifest."""
    run_id = store.current_id()
    if run_id is None:
        return None, None
    available = set(pq.read_schema(store.path(run_id) / "residents.parquet").names)
    columns = ["person_id", "risk_centile", *(c for c in COMPARED_COLUMNS if c in available)]
    return store.current_residents(columns=columns)


def _events_since(con, linked, previous_manifest: dict | None, as_of: date) -> pd.DataFrame | None:
    if not previous_manifest:
        return None
    since = date.fromisoformat(previous_manifest["as_of"])
    if since >= as_of:
        return None  # a rerun for the same date (or an earlier one): nothing is "since"
    return engines.execute(
        con,
        events_since(
            linked.feed("apc_spells"), linked.feed("ae_attendances"), linked.feed("las_incidents"), since, as_of
        ),
    )


def _scored(con, features: list[Path], factors_path: Path, scores_path: Path, run_id: str):
    """Each resident's features joined to their population-wide scores and factors
    (``score_file``), in the column order readers have always seen: features, scores, factors."""
    suffix = run_id.replace("-", "_")
    # DuckDB reads the parts as one table; Spark builds features in one part (``parts_for``).
    sources = str(features[0]) if len(features) == 1 else [str(part) for part in features]
    table = con.read_parquet(sources, table_name=f"features_{suffix}")
    factors = con.read_parquet(str(factors_path), table_name=f"factors_{suffix}")
    scores = con.read_parquet(str(scores_path), table_name=f"scores_{suffix}")
    scores = scores.rename(_score_person_id="person_id")
    joined = table.join(scores, table.person_id == scores._score_person_id).join(
        factors, table.person_id == factors[FACTORS_PERSON_ID]
    )
    score_columns = [c for c in scores.columns if c != "_score_person_id"]
    # Whole numbers as 64-bit, as the snapshot has always had them (they went through pandas).
    feature_columns = [
        joined[c].cast("int64").name(c) if table[c].type().is_integer() else joined[c] for c in table.columns
    ]
    return joined.select(*feature_columns, *score_columns, "top_factors")


def _without_analytics_for_objectors(table):
    """Objectors keep their row (their direct-care record) but no segment (decision 0023)."""
    return table.mutate(segment=table.analytics_excluded.ifelse(ibis.null("string"), table.segment))


def _with_objection(table, objectors: dict[str, str]):
    """The kinds of standing objection per resident (null for most), joined from a small table."""
    kinds = ibis.memtable(
        pd.DataFrame({"objector_id": list(objectors), "objection": list(objectors.values())}, dtype="string")
    )
    joined = table.left_join(kinds, table.person_id == kinds.objector_id)
    return joined.drop("objector_id")


def _cohort_sizes(con, members: Path) -> dict[str, int]:
    table = con.read_parquet(str(members), table_name=f"members_{uuid.uuid4().hex[:8]}")
    sizes = engines.execute(con, table.group_by("cohort").aggregate(size=table.count()))
    return dict(zip(sizes["cohort"], sizes["size"].astype(int), strict=True))


def _life_expectancy(con, linked, as_of: date, path: Path) -> int:
    """Deaths and mid-period populations by period, sex, LSOA, practice and age band, written
    to ``path``; returns the rows."""
    frame = life_expectancy_counts(con, linked, as_of)
    frame.to_parquet(path, index=False)
    return len(frame)


def _life_expectancy_beside(con, linked_dir, as_of: date, path: Path) -> int:
    """``_life_expectancy`` on a connection of its own (``engines.second_connection``), which
    reads the linked extract for itself: it needs nothing the other steps make."""
    return _life_expectancy(con, read_linked(linked_dir, con), as_of, path)


OWNER_FILE = "owner"


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # someone else's live process
    return True


def remove_stale_scratch(root: Path) -> list[Path]:
    """Delete scratch folders left by runs that were killed (``finally`` never ran): those whose
    owning process on this machine has gone. A run still going here, or on another machine
    sharing the folder, keeps its own."""
    removed = []
    for folder in Path(root).glob(".work-*"):
        try:
            host, pid = (folder / OWNER_FILE).read_text().split()
        except (OSError, ValueError):
            host, pid = socket.gethostname(), "0"  # from before owners were written: nobody's
        if host == socket.gethostname() and not (int(pid) and _alive(int(pid))):
            shutil.rmtree(folder, ignore_errors=True)
            removed.append(folder)
    if removed:
        log.info("removed %d scratch folders left by interrupted runs", len(removed))
    return removed


def run_pipeline(
    linked_dir: Path | str,
    out_dir: Path | str,
    *,
    as_of: date,
    engine: str = "duckdb",
    config: PipelineConfig | None = None,
) -> SnapshotInfo:
    """Run the whole pipeline and publish a snapshot under ``out_dir`` (``<data_dir>/snapshots``).

    Population-sized tables pass between steps as Parquet files in a scratch folder beside the
    snapshots, never as whole frames in memory (decision 0006): what Python holds at once is a
    training sample, a batch of residents, and an id and a probability per resident.
    """
    config = config or PipelineConfig()
    steps = _Steps(config.show_progress)
    store = SnapshotStore(out_dir)
    scale = load_bands(config.bands_file)
    segment_rules = load_segments(config.segments_file)
    cohorts = load_cohorts(config.cohorts_file)
    outcome = load_model_config(config.model_file).outcome
    run_id = new_run_id()
    log.info("run %s: as of %s on %s", run_id, as_of, engine)
    store.root.mkdir(parents=True, exist_ok=True)
    remove_stale_scratch(store.root)
    scratch = Path(tempfile.mkdtemp(prefix=f".work-{run_id}-", dir=store.root))
    (scratch / OWNER_FILE).write_text(f"{socket.gethostname()} {os.getpid()}")
    try:
        return _run(
            linked_dir,
            store,
            scratch,
            run_id,
            as_of=as_of,
            engine=engine,
            config=config,
            steps=steps,
            scale=scale,
            segment_rules=segment_rules,
            cohorts=cohorts,
            outcome=outcome,
        )
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


def _run(
    linked_dir,
    store: SnapshotStore,
    scratch: Path,
    run_id: str,
    *,
    as_of: date,
    engine: str,
    config: PipelineConfig,
    steps: _Steps,
    scale,
    segment_rules,
    cohorts,
    outcome: Outcome,
) -> SnapshotInfo:
    # The model's work runs beside the engine's steps on one background thread (decision 0071):
    # first importing its libraries, while the engine connects and builds the training frame;
    # then fitting (NumPy and scikit-learn leave the GIL in their loops) while the engine builds
    # the later period's and everyone's features; then the card, beside scoring, waited for at
    # the end. On DuckDB the life expectancy counts, which need only the linked extract, are
    # made from the start on a second connection: they use the core the first steps' Python
    # leaves idle, and no longer wait at the end.
    with (
        ThreadPoolExecutor(max_workers=1, thread_name_prefix="pipeline-model") as beside,
        ThreadPoolExecutor(max_workers=1, thread_name_prefix="pipeline-engine") as engine_beside,
    ):
        steps.beside(beside, "import model code", _import_model_code)
        with steps.step("connect"):
            con = engines.connect(engine)
            linked = read_linked(linked_dir, con)
            objectors = objector_ids(con, linked)
            steps.count("objectors", len(objectors))
        life_expectancy_path = scratch / "life_expectancy.parquet"
        # Not where the features are built in parts to stay within DuckDB's memory limit (all
        # London): two queries at once would share that limit.
        persons = con.to_pyarrow(linked.persons.count()).as_py()
        second = engines.second_connection(con) if engines.parts_for(con, persons) == 1 else None
        life_expectancy = (
            steps.beside(
                engine_beside,
                "life expectancy",
                _life_expectancy_beside,
                second,
                linked_dir,
                as_of,
                life_expectancy_path,
            )
            if second is not None
            else None
        )
        training_as_of = as_of - YEAR
        with steps.step("training features"):
            training, sample, population = _training_files(
                con, linked, training_as_of, scratch / "training.parquet", outcome
            )
            steps.count("training residents", population["residents"])
            steps.count("training sample", sample)
        # Reading and sorting the sample, then fitting, beside the engine's next steps.
        fitting = steps.beside(beside, "train", _fitted, training, population, outcome)
        earlier = None
        if config.later_period:
            with steps.step("later-period features"):
                earlier, sample = _later_period_files(con, linked, as_of, scratch, outcome)
                steps.count("later-period training sample", sample)
        with steps.step("features"):
            features, residents = _features(con, linked, as_of, scratch / "features.parquet", residents=persons)
            steps.count("residents", residents)
        frame, result, card = steps.wait(fitting)
        evaluating = steps.beside(
            beside,
            "evaluate",
            _card,
            result,
            card,
            as_of=as_of,
            frame=frame,
            earlier=earlier,
            config=config,
            outcome=outcome,
        )
        with steps.step("score"):
            previous, previous_manifest = _previous_snapshot(store)
            factors_path, scores_path = scratch / "factors.parquet", scratch / "scores.parquet"
            scored = score_file(
                features,
                factors_path,
                scores_path,
                result,
                scale,
                previous=previous,
                case_managed=config.case_managed,
                previous_as_of=previous_manifest["as_of"] if previous_manifest else None,
                events=_events_since(con, linked, previous_manifest, as_of),
                excluded=frozenset(objectors),
            )
            del previous
            steps.count("rising risk", scored.rising_risk)
        with steps.step("segments and cohorts"):
            residents_path, members_path = scratch / "residents.parquet", scratch / "cohorts.parquet"
            table = _scored(con, features, factors_path, scores_path, run_id)
            table = with_segments(with_registration_area(table), segment_rules)
            table = _without_analytics_for_objectors(table)
            table = _with_objection(table, objectors)
            residents = engines.write_parquet(con, table, residents_path)
            for part in features:
                part.unlink()
            table = con.read_parquet(str(residents_path), table_name=f"residents_{run_id.replace('-', '_')}")
            # Cohorts are lists drawn from population analytics: objectors are in none (decision 0023).
            members = engines.write_parquet(
                con, cohort_members(cohorts, table.filter(~table.analytics_excluded)), members_path
            )
            sizes = _cohort_sizes(con, members_path)
            steps.count("cohort memberships", members)
        with steps.step("inequalities"):
            # Pre-aggregated counts for the Inequalities page (a few thousand rows, not residents).
            inequalities_path = scratch / "inequalities.parquet"
            inequalities = long_counts(engines.execute(con, inequality_counts(table)))
            inequalities.to_parquet(inequalities_path, index=False)
            steps.count("inequality counts", len(inequalities))
        with steps.step("chart tables"):
            # The chart pages' counts per place (decision 0055), so no page reads every resident.
            chart_tables_path = scratch / "charts"
            for name, rows in write_chart_tables(con, table, chart_tables_path).items():
                steps.count(f"chart table {name}", rows)
        if life_expectancy is None:
            with steps.step("life expectancy"):
                steps.count("life expectancy counts", _life_expectancy(con, linked, as_of, life_expectancy_path))
        else:
            steps.count("life expectancy counts", steps.wait(life_expectancy))
        # Evaluation ran beside scoring and the engine's last steps; the card is published with them.
        card = steps.wait(evaluating)
    from octopus.population.risk.default_model import DefaultModel
    from octopus.population.risk.model_card import write_card

    with steps.step("publish"), store.staging(run_id) as staging:
        os.replace(residents_path, staging / "residents.parquet")
        os.replace(members_path, staging / "cohorts.parquet")
        os.replace(inequalities_path, staging / "inequalities.parquet")
        os.replace(life_expectancy_path, staging / "life_expectancy.parquet")
        os.replace(chart_tables_path, staging / "charts")
        write_card(card, result, staging)
        cohort_summary = [
            {
                "name": c.name,
                "title": c.title,
                "description": c.description,
                "size": sizes.get(c.name, 0),
                "as_of": as_of.isoformat(),
            }
            for c in cohorts
        ]
        (staging / "cohorts.json").write_text(json.dumps(cohort_summary, indent=2))
        configuration = config_record.copy_into(
            staging, store.root / previous_manifest["run_id"] if previous_manifest else None
        )
        manifest = {
            "run_id": run_id,
            "as_of": as_of.isoformat(),
            "created_at": datetime.now(UTC).isoformat(timespec="seconds"),
            "engine": engine,
            "code_version": code_version(),
            "model_version": card["model_version"],
            "outcome": outcome.name,
            "default_model": isinstance(result, DefaultModel),
            "chosen_model": result.chosen.kind,
            "linked_extract": {
                "directory": str(Path(linked_dir)),
                "delivered_feeds": list(linked.delivered),
                "manifest": linked.manifest,
            },
            "previous_run_id": previous_manifest["run_id"] if previous_manifest else None,
            "row_counts": {**steps.counts, "residents.parquet": residents, "cohorts.parquet": members},
            "step_timings_seconds": steps.timings,
            "step_cpu_seconds": steps.cpu,
            "config": {
                **configuration,
                "case_managed": len(config.case_managed),
                "given_files": {
                    k: str(v)
                    for k, v in (
                        ("bands", config.bands_file),
                        ("segments", config.segments_file),
                        ("cohorts", config.cohorts_file),
                        ("model", config.model_file),
                    )
                    if v is not None
                },
            },
        }
        (staging / "manifest.json").write_text(json.dumps(manifest, indent=2, default=str))
    log.info("run %s published", run_id)
    return SnapshotInfo(
        run_id,
        store.root / run_id,
        as_of,
        engine,
        card["model_version"],
        result.chosen.kind,
        manifest["row_counts"],
        steps.timings,
        steps.cpu,
    )
