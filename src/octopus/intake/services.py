"""Asking for a linkage run: one at a time, queued for the task worker, audited."""

from __future__ import annotations

from datetime import timedelta

from django.db import IntegrityError, transaction
from django.utils import timezone
from django_tasks import TaskResultStatus
from django_tasks.exceptions import TaskResultDoesNotExist

from octopus.governance import audit

from .models import LinkageJob
from .tasks import link_persons_in_background

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
    try:
        result = link_persons_in_background.enqueue(job.pk)
    except Exception as error:
        job.close(LinkageJob.Status.FAILED, error=f"could not be queued ({type(error).__name__})")
        raise
    # With a backend that runs tasks at once (tests) the job has already finished here: write the
    # task id alone, so as not to overwrite the outcome with this stale copy.
    LinkageJob.objects.filter(pk=job.pk).update(task_id=str(result.id))
    job.refresh_from_db()
    return job, True


def give_up_on_interrupted_runs() -> int:
    """Close runs left running when the only task worker stopped (`octopus serve` starting its own)."""
    interrupted = list(LinkageJob.objects.filter(active=True, status=LinkageJob.Status.RUNNING))
    for job in interrupted:
        job.close(LinkageJob.Status.FAILED, error="the server stopped during the run")
    return len(interrupted)


def latest_job() -> LinkageJob | None:
    return LinkageJob.objects.first()


def _give_up_on_lost_jobs() -> None:
    for job in LinkageJob.objects.filter(active=True):
        if job.requested_at < timezone.now() - GIVE_UP_AFTER or _task_ended(job):
            job.close(LinkageJob.Status.FAILED, error="the task worker stopped before the run reported an outcome")


def _task_ended(job: LinkageJob) -> bool:
    """Whether the task backend knows the task ended although the job was never closed."""
    backend = link_persons_in_background.get_backend()
    if not job.task_id or not backend.supports_get_result:
        return False
    try:
        result = link_persons_in_background.get_result(job.task_id)
    except TaskResultDoesNotExist:
        return True
    return result.status in (TaskResultStatus.SUCCESSFUL, TaskResultStatus.FAILED)
