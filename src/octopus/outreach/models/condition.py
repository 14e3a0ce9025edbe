"""A condition of a household's home (damp and mould, overcrowding, …) as a CHWW found it.
Rows are never changed: each visit that asks about the home adds one row per condition, present
or not, so the latest row is the current state and the rows are its history."""

from django.conf import settings
from django.db import models

from ..conversation import HOUSEHOLD_CONDITIONS


class HouseholdConditionQuerySet(models.QuerySet):
    def current(self, household) -> dict[str, "HouseholdCondition"]:
        latest = {}
        for row in self.filter(household=household).order_by("recorded_at", "pk"):
            latest[row.condition] = row
        return latest


class HouseholdCondition(models.Model):
    household = models.ForeignKey("residents.Household", on_delete=models.PROTECT, related_name="conditions")
    condition = models.CharField(max_length=30, choices=list(HOUSEHOLD_CONDITIONS.items()))
    present = models.BooleanField()
    visit = models.ForeignKey(
        "outreach.Visit", null=True, blank=True, on_delete=models.PROTECT, related_name="conditions"
    )
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField()

    objects = HouseholdConditionQuerySet.as_manager()

    class Meta:
        ordering = ["household", "-recorded_at", "-pk"]
        indexes = [models.Index(fields=["household", "condition", "recorded_at"])]

    def __str__(self) -> str:
        return f"{self.get_condition_display()}: {'yes' if self.present else 'no'} at {self.household}"
