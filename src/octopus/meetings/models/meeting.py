"""One meeting of a series, its agenda window and who attended."""

from django.conf import settings
from django.db import models


class MeetingStatus(models.TextChoices):
    PLANNED = "planned", "Preparing the worklist"
    PUBLISHED = "published", "Agenda published"
    CLOSED = "closed", "Closed"


class Meeting(models.Model):
    series = models.ForeignKey("meetings.MeetingSeries", on_delete=models.PROTECT, related_name="meetings")
    starts_at = models.DateTimeField()
    location = models.CharField(max_length=200, blank=True)
    status = models.CharField(max_length=12, choices=MeetingStatus.choices, default=MeetingStatus.PLANNED)
    worklist_generated_at = models.DateTimeField(null=True, blank=True)
    snapshot_as_of = models.DateField(null=True, blank=True)
    # {source code: residents it matched but its limit in meetings.yaml left off the worklist}
    worklist_not_listed = models.JSONField(default=dict, blank=True)
    agenda_published_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-starts_at"]
        indexes = [models.Index(fields=["series", "starts_at"])]

    @property
    def is_closed(self) -> bool:
        return self.status == MeetingStatus.CLOSED

    def __str__(self) -> str:
        return f"{self.series.name}, {self.starts_at:%d %b %Y}"


class Attendance(models.Model):
    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="attendance")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    role = models.CharField(max_length=100)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    recorded_at = models.DateTimeField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["meeting", "user"], name="unique_attendance")]
