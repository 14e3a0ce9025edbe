"""A doorstep visit: what happened when the CHWW knocked. Kept minimal on purpose: an outcome,
a short note and who they spoke to; anything more goes through an introduction or referral."""

from django.conf import settings
from django.db import models


class VisitOutcome(models.TextChoices):
    SPOKE = "spoke", "Spoke to someone"
    NO_ANSWER = "no_answer", "No answer"
    DECLINED = "declined", "Declined to talk"
    MOVED = "moved", "Moved away"


# Outcomes after which the household needs no more knocks this round. "No answer" is not one:
# the household is still to visit. This is the definition behind "96 of 120 households visited".
COUNTS_AS_VISITED = frozenset({VisitOutcome.SPOKE, VisitOutcome.DECLINED, VisitOutcome.MOVED})


class Visit(models.Model):
    allocation = models.ForeignKey("outreach.Allocation", on_delete=models.PROTECT, related_name="visits")
    outcome = models.CharField(max_length=12, choices=VisitOutcome.choices)
    spoke_with = models.ForeignKey("residents.Resident", null=True, blank=True, on_delete=models.PROTECT, related_name="outreach_visits")
    note = models.CharField(max_length=500, blank=True)
    # Someone in the household asked not to be contacted, and the CHWW confirmed they had read it.
    do_not_contact_acknowledged = models.BooleanField(default=False)
    visited_on = models.DateField()
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField()

    class Meta:
        ordering = ["-visited_on", "-recorded_at", "-id"]

    def __str__(self) -> str:
        return f"{self.get_outcome_display()} at {self.allocation.household} on {self.visited_on}"

    @property
    def counts_as_visited(self) -> bool:
        return self.outcome in COUNTS_AS_VISITED
