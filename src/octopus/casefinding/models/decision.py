"""What was decided about a resident on a case-finding list, and on what the decision rested.

A decision holds while what the resident was listed for stays the same: for rising risk the
engine's reason and the band; for a cohort the band and the segment (a cohort's definition does
not change from month to month, the resident's position in it does). When those change at a
later snapshot, the decision no longer applies and the resident is back on the list to review,
with the earlier decision shown beside them.
"""

from django.conf import settings
from django.db import models


class Outcome(models.TextChoices):
    CASE = "case", "Case opened with a lead professional"
    MEETING = "meeting", "Added to a meeting's worklist"
    CHECK_INS = "check_ins", "Monthly check-ins started"
    OUTREACH = "outreach", "Allocated to outreach"
    FOLLOW_UP = "follow_up", "Discharge follow-up call started"
    NO_ACTION = "no_action", "Reviewed, no action"


ACTED_ON = [Outcome.CASE, Outcome.MEETING, Outcome.CHECK_INS, Outcome.OUTREACH, Outcome.FOLLOW_UP]


class ListDecision(models.Model):
    list_name = models.CharField(max_length=60, help_text="A cohort name from cohorts.yaml, or rising-risk.")
    resident = models.ForeignKey("residents.Resident", on_delete=models.PROTECT, related_name="list_decisions")
    outcome = models.CharField(max_length=12, choices=Outcome.choices)
    detail = models.CharField(max_length=300, help_text="What was done, in words (who leads, which meeting…).")
    note = models.CharField(max_length=500, blank=True)
    # What the resident was listed for when the decision was made (see the module docstring).
    listed_reason = models.CharField(max_length=300, blank=True)
    listed_band = models.CharField(max_length=20, blank=True)
    listed_segment = models.CharField(max_length=60, blank=True)
    snapshot_run_id = models.CharField(max_length=40, blank=True)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    decided_at = models.DateTimeField()

    class Meta:
        ordering = ["-decided_at", "-id"]
        indexes = [models.Index(fields=["list_name", "resident", "decided_at"])]

    def __str__(self) -> str:
        return f"{self.list_name}: {self.get_outcome_display()}"
