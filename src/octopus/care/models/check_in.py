"""Scheduled check-ins: proactive contacts, held by one organisation at a time so the resident
is not phoned by five services in one week (the shielded-patient lesson)."""

from django.conf import settings
from django.db import models


class CheckInStatus(models.TextChoices):
    SCHEDULED = "scheduled", "Scheduled"
    DONE = "done", "Done"
    NO_ANSWER = "no_answer", "No answer"
    CANCELLED = "cancelled", "Cancelled"


class CheckIn(models.Model):
    resident = models.ForeignKey("residents.Resident", on_delete=models.PROTECT, related_name="check_ins")
    due_on = models.DateField(db_index=True)
    organisation = models.ForeignKey("directory.Organisation", on_delete=models.PROTECT, related_name="check_ins")
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="check_ins"
    )
    status = models.CharField(max_length=12, choices=CheckInStatus.choices, default=CheckInStatus.SCHEDULED)
    note = models.TextField(blank=True)
    cancelled_reason = models.CharField(max_length=200, blank=True)
    completed_at = models.DateTimeField(null=True, blank=True)
    completed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")

    class Meta:
        ordering = ["due_on", "id"]
        indexes = [models.Index(fields=["resident", "status"])]
