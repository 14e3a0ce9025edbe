"""The worklist for a meeting: each resident generated from data (or added by an attendee),
with why they are listed, then triaged onto the agenda or "not this week", discussed, and
given actions with named owners."""

from django.conf import settings
from django.db import models


class EntryStatus(models.TextChoices):
    LISTED = "listed", "To triage"
    AGENDA = "agenda", "On the agenda"
    NOT_THIS_WEEK = "not_this_week", "Not this week"
    CARRIED_OVER = "carried_over", "Carried over to the next meeting"
    DISCUSSED = "discussed", "Discussed"


class WorklistEntry(models.Model):
    meeting = models.ForeignKey("meetings.Meeting", on_delete=models.CASCADE, related_name="entries")
    resident = models.ForeignKey("residents.Resident", on_delete=models.PROTECT, related_name="meeting_entries")
    # [{"source": "frequent_ae", "reason": "3 A&E attendances in 12 months"}, ...]
    sources = models.JSONField(default=list)
    added_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    carried_from = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="carried_to"
    )
    # When the resident was first referred (for "time from referral to discussion").
    referred_at = models.DateTimeField(null=True, blank=True)
    status = models.CharField(max_length=16, choices=EntryStatus.choices, default=EntryStatus.LISTED, db_index=True)
    triage_note = models.CharField(max_length=300, blank=True)
    position = models.PositiveSmallIntegerField(null=True, blank=True)
    minutes = models.PositiveSmallIntegerField(null=True, blank=True)
    presenter = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    discussion_basis = models.CharField(
        max_length=200, blank=True, help_text="The consent decision that let them be discussed."
    )
    summary = models.TextField(blank=True)
    decisions = models.TextField(blank=True)
    lead_professional = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    next_review = models.DateField(null=True, blank=True)
    tier_change = models.CharField(max_length=12, blank=True)
    discussed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["position", "id"]
        constraints = [models.UniqueConstraint(fields=["meeting", "resident"], name="one_entry_per_meeting")]

    @property
    def reasons(self) -> list[str]:
        return [s["reason"] for s in self.sources]

    @property
    def source_codes(self) -> list[str]:
        return [s["source"] for s in self.sources]


class MeetingAction(models.Model):
    entry = models.ForeignKey(WorklistEntry, on_delete=models.CASCADE, related_name="actions")
    description = models.CharField(max_length=300)
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    due = models.DateField()
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField()
    # Set when the meeting closes: the owner's inbox task and the care-plan action.
    task = models.ForeignKey("care.Task", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    care_plan_action = models.ForeignKey(
        "care.CarePlanAction", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["id"]
