"""Advance care planning on the care plan: ReSPECT-style recommendations.

ReSPECT (Recommended Summary Plan for Emergency Care and Treatment, Resuscitation Council UK,
version 3, 2020: https://www.resus.org.uk/respect) records, for a future emergency in which the
person cannot say, what matters to them, where the balance of care lies between sustaining life
and comfort, the clinical recommendations (ceilings of treatment) and a CPR recommendation, and
who agreed them and when. The preferred places of care and death come from the Gold Standards
Framework's advance care planning record. These are clinical fields: only a scope that may see
clinical detail sees them (``governance.access.may_see_clinical_detail``).
"""

from django.conf import settings
from django.db import models


class CprRecommendation(models.TextChoices):
    # ReSPECT section 4: a recommendation, not a refusal; a blank field means "not yet decided".
    ATTEMPT = "attempt", "CPR attempts recommended"
    DO_NOT_ATTEMPT = "do_not_attempt", "CPR attempts NOT recommended"


class CareFocus(models.TextChoices):
    # ReSPECT section 3: where the person's priorities sit between the two ends of the scale.
    SUSTAIN_LIFE = "sustain_life", "Prioritise sustaining life, even at the expense of some comfort"
    BALANCE = "balance", "Balance between sustaining life and comfort"
    COMFORT = "comfort", "Prioritise comfort, even at the expense of sustaining life"


class PreferredPlace(models.TextChoices):
    HOME = "home", "Home"
    CARE_HOME = "care_home", "Care home"
    HOSPICE = "hospice", "Hospice"
    HOSPITAL = "hospital", "Hospital"
    OTHER = "other", "Somewhere else (see notes)"


class AdvanceCarePlan(models.Model):
    plan = models.OneToOneField("care.CarePlan", on_delete=models.CASCADE, related_name="advance_care")
    cpr_recommendation = models.CharField(
        "CPR recommendation", max_length=16, choices=CprRecommendation.choices, blank=True
    )
    care_focus = models.CharField("Focus of care", max_length=16, choices=CareFocus.choices, blank=True)
    ceilings_of_treatment = models.TextField(
        "Ceilings of treatment",
        blank=True,
        help_text="Other recommended treatments and their limits, e.g. ward-based care, not for intensive care.",
    )
    preferred_place_of_care = models.CharField(max_length=12, choices=PreferredPlace.choices, blank=True)
    preferred_place_of_death = models.CharField(max_length=12, choices=PreferredPlace.choices, blank=True)
    notes = models.TextField(blank=True)
    # Who took part (ReSPECT section 6: the person, or those close to them if they lack capacity).
    agreed_with = models.CharField(max_length=200)
    agreed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    agreed_on = models.DateField()
    review_date = models.DateField(null=True, blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    recorded_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"Advance care plan for {self.plan.resident}"

    def headline(self) -> str:
        """One line for meeting entries and lists: the CPR recommendation first."""
        parts = [self.get_cpr_recommendation_display() or "CPR recommendation not recorded"]
        if self.care_focus:
            parts.append(self.get_care_focus_display().split(",")[0])
        if self.preferred_place_of_death:
            parts.append(f"prefers to die at: {self.get_preferred_place_of_death_display().lower()}")
        return "; ".join(parts)
