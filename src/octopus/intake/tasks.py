"""The runs the intake pages queue: linkage ("Link now") and the population pipeline with its
publish ("Run the pipeline"). They run in the task worker, never in a web request: at a
borough's scale each takes minutes, longer than a request may take."""

from __future__ import annotations

import json
import logging
import re
import threading
import time
from pathlib import Path

from django.conf import settings
from django.db.models import F, TextField, Value
from django.db.models.functions import Concat
from django.urls import reverse
from django.utils import timezone
from django_tasks import task

from octopus.core.disclosure import publish_count
from octopus.governance import audit
from octopus.governance.redaction import redact
from octopus.population.linkage.extract import write_linked_extract
from octopus.population.linkage.persons import link_persons

from .models import LinkageJob, PipelineJob
from .store import open_store

logger = logging.getLogger(__name__)

# A page or a command-line load may have the store open when the run starts; they let go within
# seconds to minutes, so the run waits for them rather than failing at once.
STORE_WAIT_SECONDS = 15 * 60


@task()
def link_persons_in_background(job_id: int) -> int | None:
    """Link every current record, write the linked extract, and record the outcome on the job."""
    started = LinkageJob.objects.filter(pk=job_id, status=LinkageJob.Status.QUEUED).update(
        status=LinkageJob.Status.RUNNING, started_at=timezone.now()
    )
    job = LinkageJob.objects.get(pk=job_id)
    if not started:  # given up on as stale, or run by another worker already
        return None
    try:
        with open_store(wait_seconds=STORE_WAIT_SECONDS) as store:
            summary = link_persons(store, progress=_LinkProgressToJob(job_id))
            LinkageJob.objects.filter(pk=job_id).update(
                stage="writing the linked extract",
                stage_started_at=timezone.now(),
                stage_done=None,
                stage_total=None,
                stage_unit="",
            )
            target = write_linked_extract(store)
    except Exception as error:
        # Error text can quote values from the store: identifiers are removed before it is kept.
        first_line = (str(error).splitlines() or [""])[0]
        job.close(LinkageJob.Status.FAILED, error=redact(f"{type(error).__name__}: {first_line}")[:300])
        audit.record(
            job.requested_by,
            "run",
            f"Linkage job {job.pk} failed ({type(error).__name__})",
            basis="manage_data",
            path=reverse("intake:link-now"),
        )
        logger.exception("Linkage job %s failed", job.pk)
        raise
    job.close(
        LinkageJob.Status.FINISHED,
        run_id=summary.run_id,
        source_persons=summary.units,
        persons=summary.persons,
        new_persons=summary.new_persons,
        by_nhs_number=summary.by_nhs_number,
        probabilistic=summary.probabilistic,
        review_pairs=summary.review_pairs,
        extract_folder=target.name,
    )
    audit.record(
        job.requested_by,
        "run",
        f"Linked persons (run {summary.run_id}) and wrote the linked extract (linkage job {job.pk})",
        basis="manage_data",
        path=reverse("intake:link-now"),
    )
    return summary.run_id


class _LinkProgressToJob:
    """Writes the run's progress onto the job row for the page to poll: at each new stage, and
    within a stage at most once every `every` seconds (a write per chunk or per 50,000 pairs
    would be far more than a page polling every few seconds needs)."""

    def __init__(self, job_id: int, every: float = 1.0):
        self.job_id, self.every, self.last, self.stage = job_id, every, 0.0, None

    def __call__(self, state) -> None:
        now = time.monotonic()
        new_stage = state.stage != self.stage
        finished = state.total is not None and state.done >= state.total
        if not (new_stage or finished) and now - self.last < self.every:
            return
        self.last, self.stage = now, state.stage
        changes = dict(
            stage=state.stage,
            stage_done=state.done,
            stage_total=state.total,
            stage_unit=state.unit,
            pairs_blocked=state.pairs_blocked,
            pairs_compared=state.pairs_compared,
            pairs_clustered=state.pairs_clustered,
        )
        if state.source_persons is not None:
            changes["source_persons"] = state.source_persons
        if new_stage:
            changes["stage_started_at"] = timezone.now()
        LinkageJob.objects.filter(pk=self.job_id).update(**changes)


# The steps ``population.pipeline`` runs on its engine, in order; the page names the step after
# the last one finished as the one in progress. Importing the model code, training,
# evaluation and the life expectancy counts run beside them (the pipeline logs their lines from
# its own thread once they finish): they go to the log without moving the step shown.
PIPELINE_STEPS = (
    "connect",
    "training features",
    "later-period features",
    "features",
    "score",
    "segments and cohorts",
    "inequalities",
    "chart tables",
    "publish",
)


def bootstrap_resamples() -> int:
    """Resamples for the model card's confidence intervals (the pipeline's default, 200, unless
    the OCTOPUS_PIPELINE_BOOTSTRAP_RESAMPLES setting says otherwise; tests lower it)."""
    return getattr(settings, "OCTOPUS_PIPELINE_BOOTSTRAP_RESAMPLES", 200)


_STEP_DONE = re.compile(r"^step (?P<step>.+) took (?P<seconds>[\d.]+)s")
_ROWS = re.compile(r"^(?P<label>[a-z][a-z .]*): (?P<rows>\d+) rows$")


class _ProgressToJob(logging.Handler):
    """Carries the pipeline's own log lines (step names, timings, row counts; never resident
    rows) onto the job row, each in a short write of its own, for the page to poll."""

    def __init__(self, job_id: int):
        super().__init__(level=logging.INFO)
        self.job_id, self.thread = job_id, threading.get_ident()

    def emit(self, record: logging.LogRecord) -> None:
        if record.thread != self.thread:
            return  # another task's or request's logging
        message = record.getMessage()
        changes = {"log": _appended(message)}
        if (done := _STEP_DONE.match(message)) and done["step"] in PIPELINE_STEPS:
            changes.update(step=_next_step(done["step"]), step_started_at=timezone.now())
        elif rows := _ROWS.match(message):
            changes.update(rows=int(rows["rows"]), rows_label=rows["label"][:80])
        PipelineJob.objects.filter(pk=self.job_id).update(**changes)


def _next_step(finished: str) -> str:
    if finished != PIPELINE_STEPS[-1]:
        return PIPELINE_STEPS[PIPELINE_STEPS.index(finished) + 1]
    return f"the step after {finished}"


def _note(job_id: int, line: str, **changes) -> None:
    PipelineJob.objects.filter(pk=job_id).update(log=_appended(line), **changes)


def _appended(line: str) -> Concat:
    """The job's log with one timestamped line added, in the database (no read-modify-write)."""
    return Concat("log", Value(f"{timezone.localtime():%H:%M:%S} {line}\n"), output_field=TextField())


def _published(count):
    return None if count is None else publish_count(int(count))


def headline(snapshot_dir: Path, report) -> dict:
    """The model card's headline figures and the counts of the run, for the page and the audit."""
    card = json.loads((snapshot_dir / "model_card.json").read_text())
    manifest = json.loads((snapshot_dir / "manifest.json").read_text())
    chosen = card["chosen_model"]
    held_out = card["models"][chosen]["held_out"]
    calibration = held_out.get("calibration") or {}
    counts = manifest.get("row_counts", {})
    # The later-period check (trained two years back, tested one year later) is the drift signal.
    later = card.get("later_period") or {}
    later_figures = later.get("figures") or {}
    return {
        "later_auroc": later_figures.get("auroc"),
        "later_calibration_slope": (later_figures.get("calibration") or {}).get("slope"),
        "later_reason": "" if later_figures else str(later.get("reason") or "Not run"),
        "chosen_model": chosen,
        "model_version": card.get("model_version", ""),
        "auroc": held_out.get("auroc"),
        "auroc_95ci": held_out.get("auroc_95ci"),
        # Rounded and small counts withheld, as on the model card and every other page.
        "held_out_residents": _published(held_out.get("n")),
        "held_out_events": _published(held_out.get("events")),
        "calibration_slope": calibration.get("slope"),
        "calibration_in_the_large": calibration.get("in_the_large"),
        "residents_scored": counts.get("residents.parquet"),
        "rising_risk": counts.get("rising risk"),
        "residents_published": report.residents,
        "deaths_recorded": report.deaths,
        "timeline_added": report.activity_added,
    }


@task()
def run_pipeline_in_background(job_id: int) -> str | None:
    """Run the population pipeline on the linked extract, publish the snapshot into the
    operational database, and record the outcome on the job."""
    from octopus.population.pipeline import PipelineConfig, run_pipeline
    from octopus.publish import publish

    started = PipelineJob.objects.filter(pk=job_id, status=PipelineJob.Status.QUEUED).update(
        status=PipelineJob.Status.RUNNING,
        started_at=timezone.now(),
        step=PIPELINE_STEPS[0],
        step_started_at=timezone.now(),
    )
    job = PipelineJob.objects.get(pk=job_id)
    if not started:
        return None
    data_dir = Path(settings.DATA_DIR)
    handler = _ProgressToJob(job_id)
    pipeline_log = logging.getLogger("octopus.population.pipeline")
    pipeline_log.addHandler(handler)
    previous_level = pipeline_log.level
    pipeline_log.setLevel(logging.INFO)
    try:
        info = run_pipeline(
            data_dir / "linked",
            data_dir / "snapshots",
            as_of=job.as_of,
            config=PipelineConfig(show_progress=False, bootstrap_resamples=bootstrap_resamples()),
        )
        _note(
            job_id,
            f"snapshot {info.run_id} written; publishing it into the operational database",
            status=PipelineJob.Status.PUBLISHING,
            step="publish into the operational database",
            step_started_at=timezone.now(),
            rows=0,
            rows_label="rows published",
            run_id=info.run_id,
        )
        report = publish(
            data_dir / "linked" / "persons.parquet",
            info.path,
            actor=job.requested_by,
            progress=lambda n: PipelineJob.objects.filter(pk=job_id).update(rows=F("rows") + n),
        )
        figures = headline(info.path, report)
    except Exception as error:
        first_line = (str(error).splitlines() or [""])[0]
        job.refresh_from_db()
        job.close(PipelineJob.Status.FAILED, error=redact(f"{type(error).__name__}: {first_line}")[:300])
        audit.record(
            job.requested_by,
            "run",
            f"Pipeline job {job.pk} failed ({type(error).__name__})",
            basis="manage_data",
            path=reverse("intake:pipeline-run"),
        )
        logger.exception("Pipeline job %s failed", job.pk)
        raise
    finally:
        pipeline_log.removeHandler(handler)
        pipeline_log.setLevel(previous_level)
    _note(job_id, f"published {report.residents:,} residents")
    job.refresh_from_db()
    job.close(PipelineJob.Status.FINISHED, headline=figures, step="")
    audit.record(
        job.requested_by,
        "run",
        f"Ran the population pipeline (snapshot {info.run_id}, as of {job.as_of}) and published it "
        f"({report.residents} residents; pipeline job {job.pk})",
        basis="manage_data",
        path=reverse("intake:pipeline-run"),
    )
    return info.run_id
