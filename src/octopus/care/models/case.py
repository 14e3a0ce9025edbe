"""A case: a resident on a team's caseload, optionally held by a named practitioner."""

from django.conf import settings
from django.db import models


class CaseSource(models.TextChoices):
    """How the resident came onto the caseload (kept for the INT's own evaluation)."""

    COHORT = "cohort", "Cohort"
    RISING_RISK = "rising_risk", "Rising-risk list"
    REFERRAL = "referral", "Referral or introduction"
    VISIT = "visit", "Visit or drop-in"
    SEARCH = "search", "Found by search"
    MEETING = "meeting", "MDT or INC decision"


class CaseOutcome(models.TextChoices):
    GOALS_MET = "goals_met", "Goals met"
    STABLE = "stable", "Stable, returned to self-care"
    TRANSFERRED = "transferred", "Transferred to another team"
    DECLINED = "declined", "Resident declined support"
    NO_CONTACT = "no_contact", "Could not be contacted"
    MOVED_AWAY = "moved_away", "Moved out of the area"
    DIED = "died", "Died"
    ADDED_IN_ERROR = "added_in_error", "Added in error"


class Case(models.Model):
    resident = models.ForeignKey("residents.Resident", on_delete=models.PROTECT, related_name="cases")
    team = models.ForeignKey("directory.Team", on_delete=models.PROTECT, related_name="cases")
    holder = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="held_cases"
    )
    source = models.CharField(max_length=20, choices=CaseSource.choices)
    opened_at = models.DateTimeField()
    opened_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    next_review_due = models.DateField(null=True, blank=True)
    last_contact_on = models.DateField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    outcome = models.CharField(max_length=20, choices=CaseOutcome.choices, blank=True)
    outcome_note = models.TextField(blank=True)

    class Meta:
        ordering = ["-opened_at"]
        indexes = [models.Index(fields=["team", "closed_at"]), models.Index(fields=["holder", "closed_at"])]
        constraints = [
            models.UniqueConstraint(
                fields=["resident", "team"], condition=models.Q(closed_at__isnull=True), name="one_open_case_per_team"
            ),
            models.CheckConstraint(
                condition=models.Q(closed_at__isnull=True) | ~models.Q(outcome=""), name="closed_case_has_outcome"
            ),
        ]

    @property
    def is_open(self) -> bool:
        return self.closed_at is None

    def __str__(self) -> str:
        return f"{self.resident} on {self.team.name}"
