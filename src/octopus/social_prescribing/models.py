"""A resident on a link worker's caseload (a care ``Case`` on the link worker's team, with what
social prescribing adds), their goals, the introductions made for them, and their wellbeing
measured at the start and at review. All identifiable: reached through the access point
(``access.scoped(..., via="case__resident")``) and shown through ``fields.py``."""

from django.conf import settings
from django.db import models

from . import measures, reasons


class Prescription(models.Model):
    """Social prescribing for one resident, from referral to close (the case's life)."""

    case = models.OneToOneField("care.Case", on_delete=models.PROTECT, related_name="social_prescription")
    source = models.CharField(max_length=30, choices=list(reasons.SOURCES.items()))
    reasons = models.JSONField(help_text="Referral reason codes (social_prescribing.reasons).")
    what_matters = models.TextField(blank=True, help_text="“What matters to me”, in the resident's words.")
    referred_on = models.DateField()

    class Meta:
        ordering = ["-referred_on", "pk"]


class Introduction(models.Model):
    """An introduction made for this resident (a care referral or warm introduction, so it
    reaches the receiver's inbox), and the referral reason it answers, for the findings."""

    prescription = models.ForeignKey(Prescription, on_delete=models.CASCADE, related_name="introductions")
    referral = models.OneToOneField("care.Referral", on_delete=models.PROTECT, related_name="social_prescription_link")
    reason = models.CharField(max_length=30, choices=[(k, v[0]) for k, v in reasons.REASONS.items()])

    class Meta:
        ordering = ["referral__sent_at", "pk"]


class GoalStatus(models.TextChoices):
    WORKING = "working", "Working on it"
    ACHIEVED = "achieved", "Achieved"
    CHANGED = "changed", "No longer wanted"


class Goal(models.Model):
    prescription = models.ForeignKey(Prescription, on_delete=models.CASCADE, related_name="goals")
    text = models.CharField(max_length=300)
    status = models.CharField(max_length=10, choices=GoalStatus.choices, default=GoalStatus.WORKING)
    set_on = models.DateField()
    set_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")

    class Meta:
        ordering = ["set_on", "pk"]


class Occasion(models.TextChoices):
    START = "start", "At the start"
    REVIEW = "review", "At review"


class WellbeingScore(models.Model):
    """One completed measure. Answers are kept as given; ``scores`` holds what the instrument
    reports (measures.scores), so a change of table would be visible rather than silent."""

    prescription = models.ForeignKey(Prescription, on_delete=models.CASCADE, related_name="scores")
    instrument = models.CharField(max_length=10, choices=[(i.code, i.name) for i in measures.INSTRUMENTS.values()])
    occasion = models.CharField(max_length=10, choices=Occasion.choices)
    recorded_on = models.DateField()
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    answers = models.JSONField()
    scores = models.JSONField()

    class Meta:
        ordering = ["recorded_on", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["prescription", "instrument", "occasion"], name="one_score_per_occasion"),
        ]
