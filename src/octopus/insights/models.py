"""Which population snapshot the operational database holds, and when it was published."""

from django.conf import settings
from django.db import models


class PublishedSnapshot(models.Model):
    run_id = models.CharField(max_length=40, unique=True)
    as_of = models.DateField()
    published_at = models.DateTimeField(auto_now_add=True)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    residents = models.PositiveIntegerField()
    households = models.PositiveIntegerField(default=0)
    manifest = models.JSONField(default=dict)

    class Meta:
        ordering = ["-published_at"]
        get_latest_by = "published_at"

    def __str__(self) -> str:
        return f"Snapshot {self.run_id} as of {self.as_of}"
