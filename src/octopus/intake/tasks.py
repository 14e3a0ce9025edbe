"""The linkage run that "Link now" queues. It runs in the task worker, never in a web request:
at a borough's scale linking takes minutes, longer than a request may take."""

from __future__ import annotations

import logging

from django.urls import reverse
from django.utils import timezone
from django_tasks import task

from octopus.governance import audit
from octopus.governance.redaction import redact
from octopus.population.linkage.extract import write_linked_extract
from octopus.population.linkage.persons import link_persons

from .models import LinkageJob
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
            summary = link_persons(store)
            target = write_linked_extract(store)
    except Exception as error:
        # Error text can quote values from the store: identifiers are removed before it is kept.
        first_line = (str(error).splitlines() or [""])[0]
        job.close(LinkageJob.Status.FAILED, error=redact(f"{type(error).__name__}: {first_line}")[:300])
        audit.record(job.requested_by, "run", f"Linkage job {job.pk} failed ({type(error).__name__})",
                     basis="manage_data", path=reverse("intake:link-now"))
        logger.exception("Linkage job %s failed", job.pk)
        raise
    job.close(
        LinkageJob.Status.FINISHED, run_id=summary.run_id, source_persons=summary.units, persons=summary.persons,
        new_persons=summary.new_persons, by_nhs_number=summary.by_nhs_number, probabilistic=summary.probabilistic,
        review_pairs=summary.review_pairs, extract_folder=target.name,
    )
    audit.record(job.requested_by, "run",
                 f"Linked persons (run {summary.run_id}) and wrote the linked extract (linkage job {job.pk})",
                 basis="manage_data", path=reverse("intake:link-now"))
    return summary.run_id

