"""Asking for a linkage or pipeline run: one of each at a time, queued for the task worker, audited."""

from __future__ import annotations

from datetime import timedelta

from django.db import IntegrityError, transaction
from django.utils import timezone
from django_tasks import TaskResultStatus
from django_tasks.exceptions import TaskResultDoesNotExist

from octopus.governance import audit

from .models import LinkageJob, PipelineJob
from .store import data_dir
from .tasks import link_persons_in_background, run_pipeline_in_background

# Linking a million residents took minutes on a shared two-core machine (docs/benchmarks.md); a
# run still unfinished after this long lost its worker (stopped, or the machine restarted), and
# must not block every later run.
GIVE_UP_AFTER = timedelta(hours=6)


def request_linkage(user, *, path: str = "") -> tuple[LinkageJob, bool]:
    """Queue a linkage run unless one is queued or running: (the job, whether it is a new one)."""
    _give_up_on_lost_jobs()
    try:
        with transaction.atomic():
            job = LinkageJob.objects.create(requested_by=user)
    except IntegrityError:
        return LinkageJob.objects.get(active=True), False
    audit.record(user, "run", f"Asked for a linkage run (linkage job {job.pk})", basis="manage_data", path=path)
    return _enqueue(job, link_persons_in_background), True


def _enqueue(job, task):
    """Hand the job to the task worker; a job that cannot be queued is closed as failed, not left active."""
    try:
        result = task.enqueue(job.pk)
    except Exception as error:
        job.close(type(job).Status.FAILED, error=f"could not be queued ({type(error).__name__})")
        raise
    # With a backend that runs tasks at once (tests) the job has already finished here: write the
    # task id alone, so as not to overwrite the outcome with this stale copy.
    type(job).objects.filter(pk=job.pk).update(task_id=str(result.id))
    job.refresh_from_db()
    return job


def give_up_on_interrupted_runs() -> int:
    """Close runs left running when the only task worker stopped (`octopus serve` starting its own)."""
    interrupted = [
        *LinkageJob.objects.filter(active=True, status=LinkageJob.Status.RUNNING),
        *PipelineJob.objects.filter(
            active=True, status__in=[PipelineJob.Status.RUNNING, PipelineJob.Status.PUBLISHING]
        ),
    ]
    for job in interrupted:
        job.close(job.Status.FAILED, error="the server stopped during the run")
    return len(interrupted)


def latest_job() -> LinkageJob | None:
    return LinkageJob.objects.first()


def _give_up_on_lost_jobs(model=LinkageJob, task=link_persons_in_background) -> None:
    for job in model.objects.filter(active=True):
        if job.requested_at < timezone.now() - GIVE_UP_AFTER or _task_ended(job, task):
            job.close(model.Status.FAILED, error="the task worker stopped before the run reported an outcome")


def _task_ended(job, task=link_persons_in_background) -> bool:
    """Whether the task backend knows the task ended although the job was never closed."""
    backend = task.get_backend()
    if not job.task_id or not backend.supports_get_result:
        return False
    try:
        result = task.get_result(job.task_id)
    except TaskResultDoesNotExist:
        return True
    return result.status in (TaskResultStatus.SUCCESSFUL, TaskResultStatus.FAILED)


class PipelineNotReady(Exception):
    """The pipeline cannot start: the message says why and what to do."""


def request_pipeline_run(user, *, as_of, path: str = "") -> tuple[PipelineJob, bool]:
    """Queue a pipeline run and publish unless one is queued or running: (the job, whether new).

    Refused while a linkage run is active: it replaces the linked extract the pipeline reads.
    """
    _give_up_on_lost_jobs(PipelineJob, run_pipeline_in_background)
    if not (data_dir() / "linked" / "persons.parquet").is_file():
        raise PipelineNotReady("There is no linked extract yet: link persons first (Linkage, then Link now).")
    linking = LinkageJob.objects.filter(active=True).first()
    if linking is not None:
        raise PipelineNotReady(
            f"A linkage run is {linking.get_status_display().lower()}: the pipeline reads the "
            "linked extract it writes, so run the pipeline when it ends."
        )
    try:
        with transaction.atomic():
            job = PipelineJob.objects.create(requested_by=user, as_of=as_of)
    except IntegrityError:
        return PipelineJob.objects.get(active=True), False
    audit.record(
        user,
        "run",
        f"Asked for a population pipeline run as of {as_of} (pipeline job {job.pk})",
        basis="manage_data",
        path=path,
    )
    return _enqueue(job, run_pipeline_in_background), True


def latest_pipeline_job() -> PipelineJob | None:
    return PipelineJob.objects.select_related("requested_by").first()
