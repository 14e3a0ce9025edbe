"""The care-home register: each home has a lead GP and practice, and its own MDT series."""

from django.conf import settings
from django.db import models


class CareHomeKind(models.TextChoices):
    NURSING = "nursing", "Nursing"
    RESIDENTIAL = "residential", "Residential"


class CareHome(models.Model):
    name = models.CharField(max_length=200, unique=True)
    kind = models.CharField(max_length=12, choices=CareHomeKind.choices)
    provider = models.CharField(max_length=200, blank=True)
    beds = models.PositiveIntegerField(null=True, blank=True)
    lead_gp = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    practice = models.ForeignKey(
        "directory.GPPractice", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    postcode = models.CharField(max_length=10, blank=True)
    # The CQC location id the care-home feed names the home by; empty for a home typed in by hand.
    cqc_location_id = models.CharField("CQC location id", max_length=20, blank=True)
    weekly_round = models.CharField(
        max_length=100, blank=True, help_text="When the lead GP's round is, e.g. Tuesdays 10:00."
    )
    frailty_nurse_contact = models.CharField(max_length=200, blank=True, help_text="Who to call, and how.")

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(
                fields=["cqc_location_id"],
                condition=~models.Q(cqc_location_id=""),
                name="one_care_home_per_cqc_location",
            )
        ]

    def __str__(self) -> str:
        return self.name


class CareHomeResident(models.Model):
    """A resident living in a home; ``left_on`` set when they move out (history is kept)."""

    care_home = models.ForeignKey(CareHome, on_delete=models.CASCADE, related_name="placements")
    resident = models.ForeignKey("residents.Resident", on_delete=models.PROTECT, related_name="care_home_placements")
    moved_in_on = models.DateField()
    left_on = models.DateField(null=True, blank=True)
    # "feed" when the care-home feed placed them (publish keeps those in line with it), else "manual".
    source = models.CharField(max_length=10, default="manual")

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["resident"], condition=models.Q(left_on__isnull=True), name="one_current_care_home"
            )
        ]


class SupportItem(models.TextChoices):
    """The enhanced clinical support a care home gets (Westminster out-of-hospital recovery plan,
    "Support to care homes": a lead GP for each home, proactive ward rounds, frailty nurses as a
    daily single point of contact, meds optimisation by clinical pharmacy, DNAR/CMC reviews by
    GPs; NHS England, Enhanced Health in Care Homes framework v2, 2020)."""

    LEAD_GP = "lead_gp", "Named lead GP confirmed"
    WEEKLY_ROUND = "weekly_round", "Weekly round held"
    FRAILTY_NURSE = "frailty_nurse", "Frailty nurse contact confirmed"
    MEDICINES_REVIEW = "medicines_review", "Medicines review"
    ACP_REVIEWED = "acp_reviewed", "Advance care plan reviewed"


# Items done for each resident; the others are done for the home as a whole.
PER_RESIDENT_ITEMS = (SupportItem.MEDICINES_REVIEW, SupportItem.ACP_REVIEWED)


class SupportRecord(models.Model):
    """One item of the checklist done: what, for which resident (if per resident), by whom, when."""

    care_home = models.ForeignKey(CareHome, on_delete=models.CASCADE, related_name="support_records")
    resident = models.ForeignKey(
        "residents.Resident", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    item = models.CharField(max_length=20, choices=SupportItem.choices)
    done_on = models.DateField()
    done_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    note = models.CharField(max_length=300, blank=True)
    recorded_at = models.DateTimeField()

    class Meta:
        ordering = ["-done_on", "-id"]
