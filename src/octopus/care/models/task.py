"""Every practitioner's task inbox. Other apps create tasks with ``care.services.create_task``."""

from django.conf import settings
from django.db import models


class TaskSource(models.TextChoices):
    CARE_PLAN = "care_plan", "Care plan"
    REFERRAL = "referral", "Referral"
    CHECK_IN = "check_in", "Check-in"
    REVIEW = "review", "Review"
    BEREAVEMENT = "bereavement", "Bereavement follow-up"
    TIER = "tier", "Tier change"
    MEETING = "meeting", "Meeting action"
    DISCHARGE = "discharge", "Discharge follow-up"
    OTHER = "other", "Other"


class Task(models.Model):
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="tasks")
    title = models.CharField(max_length=300)
    due = models.DateField(null=True, blank=True)
    resident = models.ForeignKey(
        "residents.Resident", null=True, blank=True, on_delete=models.PROTECT, related_name="tasks"
    )
    link = models.CharField(max_length=300, blank=True)
    source = models.CharField(max_length=20, choices=TaskSource.choices, default=TaskSource.OTHER)
    created_at = models.DateTimeField()
    done_at = models.DateTimeField(null=True, blank=True)
    cancelled_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["due", "created_at"]
        indexes = [models.Index(fields=["owner", "done_at"])]

    @property
    def is_open(self) -> bool:
        return self.done_at is None and self.cancelled_at is None
