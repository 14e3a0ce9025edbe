"""A round: a period of door-knocking in an area ("Church Street, November 2026")."""

import datetime as dt

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import timezone


class Round(models.Model):
    name = models.CharField(max_length=120)
    area = models.CharField(
        max_length=200, blank=True, help_text="The streets, LSOAs or estate the round covers, in words."
    )
    starts_on = models.DateField()
    ends_on = models.DateField(help_text="Allocations stop giving access to residents after this day.")
    planned_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField()
    withdrawn_at = models.DateTimeField(null=True, blank=True)
    withdrawn_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    withdrawn_reason = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["-starts_on", "name"]
        constraints = [
            models.CheckConstraint(condition=Q(ends_on__gte=F("starts_on")), name="round_ends_after_it_starts")
        ]

    def __str__(self) -> str:
        return self.name

    def is_active(self, on: dt.date | None = None) -> bool:
        on = on or timezone.localdate()
        return self.withdrawn_at is None and self.starts_on <= on <= self.ends_on

    @property
    def status(self) -> str:
        today = timezone.localdate()
        if self.withdrawn_at is not None:
            return "Withdrawn"
        if today < self.starts_on:
            return "Planned"
        return "Ended" if today > self.ends_on else "Active"
