"""One household given to one CHWW in one round. While the allocation is active it is the
CHWW's legitimate relationship with the household's residents, limited to the outreach fields
(``octopus.outreach.relationships``)."""

import datetime as dt

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from .round import Round


class AllocationQuerySet(models.QuerySet):
    def live(self):
        """Not withdrawn, in a round that was not withdrawn (past and future rounds included)."""
        return self.filter(withdrawn_at__isnull=True, round__withdrawn_at__isnull=True)

    def active(self, on: dt.date | None = None):
        """Live and in a round running on the day: what gives access to residents."""
        on = on or timezone.localdate()
        return self.live().filter(round__starts_on__lte=on, round__ends_on__gte=on)


class Allocation(models.Model):
    round = models.ForeignKey(Round, on_delete=models.PROTECT, related_name="allocations")
    household = models.ForeignKey("residents.Household", on_delete=models.PROTECT, related_name="outreach_allocations")
    worker = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="outreach_allocations")
    # Walking order within the worker's households in the round (octopus.outreach.walking).
    position = models.PositiveIntegerField()
    planned_on = models.DateField(null=True, blank=True, help_text="The working day the visit is planned for.")
    allocated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    allocated_at = models.DateTimeField()
    withdrawn_at = models.DateTimeField(null=True, blank=True)
    withdrawn_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    objects = AllocationQuerySet.as_manager()

    class Meta:
        ordering = ["round", "worker", "position"]
        constraints = [
            # A household may be re-allocated after a withdrawal, but only one CHWW holds it at a time.
            models.UniqueConstraint(
                fields=["round", "household"],
                condition=Q(withdrawn_at__isnull=True),
                name="one_live_allocation_per_household_per_round",
            ),
        ]
        indexes = [models.Index(fields=["worker", "withdrawn_at"])]

    def __str__(self) -> str:
        return f"{self.household} – {self.round} ({self.worker})"

    def is_active(self, on: dt.date | None = None) -> bool:
        return self.withdrawn_at is None and self.round.is_active(on)
