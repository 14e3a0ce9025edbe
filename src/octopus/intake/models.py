"""Linkage runs asked for from the intake pages, and how each went.

Linking a borough's records takes minutes, so "Link now" queues a background task and this row
is what the page shows while it runs. The feed store (DuckDB) is the record of the link itself
(`link_runs`); this is only the request and its outcome, kept as a history.
"""

from django.conf import settings
from django.db import models
from django.utils import timezone


class BackgroundJob(models.Model):
    """What every background run asked for from the intake page records: who asked and when, when
    it ran, and whether it is still active (queued or running)."""

    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    requested_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        abstract = True

    def close(self, status: str, **outcome) -> None:
        """Record how the run ended; another run may then be asked for."""
        for name, value in outcome.items():
            setattr(self, name, value)
        self.status, self.active, self.finished_at = status, False, timezone.now()
        self.save(update_fields=["status", "active", "finished_at", *outcome])


class LinkageJob(BackgroundJob):
    class Status(models.TextChoices):
        QUEUED = "queued", "Queued"
        RUNNING = "running", "Running"
        FINISHED = "finished", "Finished"
        FAILED = "failed", "Failed"

    status = models.CharField(max_length=10, choices=Status.choices, default=Status.QUEUED)
    # True while queued or running. The unique constraint below is what allows only one run at a
    # time even when two people press "Link now" together: the second insert fails.
    active = models.BooleanField(default=True)
    task_id = models.CharField(max_length=64, blank=True)
    # The outcome, as counts only: the page and the audit log never carry a resident's details.
    run_id = models.PositiveIntegerField(null=True, blank=True)
    source_persons = models.PositiveIntegerField(null=True, blank=True)
    persons = models.PositiveIntegerField(null=True, blank=True)
    new_persons = models.PositiveIntegerField(null=True, blank=True)
    by_nhs_number = models.PositiveIntegerField(null=True, blank=True)
    probabilistic = models.PositiveIntegerField(null=True, blank=True)
    review_pairs = models.PositiveIntegerField(null=True, blank=True)
    extract_folder = models.CharField(max_length=200, blank=True)
    error = models.CharField(max_length=300, blank=True)
    # Progress while running (decision 0064), written by the task every second or so: the stage,
    # how far through it (in `stage_unit`s), and the pair counts so far. Counts only.
    stage = models.CharField(max_length=40, blank=True)
    stage_started_at = models.DateTimeField(null=True, blank=True)
    stage_done = models.BigIntegerField(null=True, blank=True)
    stage_total = models.BigIntegerField(null=True, blank=True)
    stage_unit = models.CharField(max_length=20, blank=True)
    pairs_blocked = models.BigIntegerField(null=True, blank=True)
    pairs_compared = models.BigIntegerField(null=True, blank=True)
    pairs_clustered = models.BigIntegerField(null=True, blank=True)

    class Meta:
        ordering = ["-requested_at", "-id"]
        get_latest_by = ["requested_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["active"], condition=models.Q(active=True), name="intake_one_active_linkage_job"
            )
        ]

    def __str__(self) -> str:
        return f"Linkage job {self.pk} ({self.status})"

    def describe(self) -> str:
        """The outcome in one sentence, counts only."""
        if self.status == self.Status.FINISHED:
            return (
                f"Link run {self.run_id}: {self.source_persons:,} source persons linked to {self.persons:,} persons "
                f"({self.new_persons:,} new); {self.by_nhs_number:,} by NHS number, {self.probabilistic:,} by "
                f"demographics; {self.review_pairs:,} pair(s) await review. "
                f"The linked extract was written to {self.extract_folder}/."
            )
        if self.status == self.Status.FAILED:
            return f"The linkage run failed: {self.error or 'no reason was recorded'}."
        return f"The linkage run is {self.get_status_display().lower()}."


class PipelineJob(BackgroundJob):
    """A population pipeline run asked for from the intake page, then its publish (issue #13).

    The snapshot store (Parquet) is the record of the run itself; this row is what the page shows
    while it runs — the step, rows so far, the log — and its outcome, as counts and model figures
    only, never a resident's row.
    """

    class Status(models.TextChoices):
        QUEUED = "queued", "Queued"
        RUNNING = "running", "Running the pipeline"
        PUBLISHING = "publishing", "Publishing"
        FINISHED = "finished", "Finished"
        FAILED = "failed", "Failed"

    status = models.CharField(max_length=10, choices=Status.choices, default=Status.QUEUED)
    # As for linkage: the partial unique constraint lets only one run be queued or running.
    active = models.BooleanField(default=True)
    task_id = models.CharField(max_length=64, blank=True)
    as_of = models.DateField()
    step = models.CharField(max_length=80, blank=True)
    step_started_at = models.DateTimeField(null=True, blank=True)
    rows = models.PositiveIntegerField(null=True, blank=True)
    rows_label = models.CharField(max_length=80, blank=True)
    log = models.TextField(blank=True)
    run_id = models.CharField(max_length=64, blank=True)
    # Figures read from the snapshot's model card and manifest when the run ends.
    headline = models.JSONField(default=dict, blank=True)
    error = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["-requested_at", "-id"]
        get_latest_by = ["requested_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["active"], condition=models.Q(active=True), name="intake_one_active_pipeline_job"
            )
        ]

    def __str__(self) -> str:
        return f"Pipeline job {self.pk} ({self.status})"

    @property
    def log_lines(self) -> list[str]:
        return self.log.splitlines()
