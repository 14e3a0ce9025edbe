from django.conf import settings
from django.db import models
from django.utils import timezone


class PlanJob(models.Model):
    """A monthly plan asked for from the planner's page, run by the task worker (at 100 CHWWs it
    takes longer than a web request may). The page polls ``done``/``total`` for its progress; the
    finished plan is kept as households' ids, points and LSOAs in visiting order (addresses are
    looked up when the page is shown), never a resident."""

    class Status(models.TextChoices):
        QUEUED = "queued", "Queued"
        RUNNING = "running", "Planning"
        FINISHED = "finished", "Finished"
        FAILED = "failed", "Failed"

    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    requested_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.QUEUED)
    task_id = models.CharField(max_length=64, blank=True)
    month = models.CharField(max_length=7)
    target_areas = models.JSONField(
        default=list, blank=True, help_text="LSOA codes from the area page; empty: the workforce file's."
    )
    done = models.PositiveIntegerField(default=0, help_text="CHWWs routed so far.")
    total = models.PositiveIntegerField(default=0)
    result = models.JSONField(default=dict, blank=True)
    error = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["-requested_at", "-pk"]

    @property
    def active(self) -> bool:
        return self.status in (self.Status.QUEUED, self.Status.RUNNING)

    def close(self, status: str, **outcome) -> None:
        for name, value in outcome.items():
            setattr(self, name, value)
        self.status, self.finished_at = status, timezone.now()
        self.save(update_fields=["status", "finished_at", *outcome])
