"""A message thread per resident for the team (the "secure WhatsApp-style" need). Reached only
through the access point; @mentions create inbox tasks."""

from django.conf import settings
from django.db import models


class ResidentMessage(models.Model):
    resident = models.ForeignKey("residents.Resident", on_delete=models.PROTECT, related_name="messages")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    body = models.TextField()
    posted_at = models.DateTimeField()
    mentions = models.ManyToManyField(settings.AUTH_USER_MODEL, blank=True, related_name="+")

    class Meta:
        ordering = ["posted_at", "id"]
        indexes = [models.Index(fields=["resident", "posted_at"])]
