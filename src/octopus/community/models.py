"""Drop-in sessions, the people who come, and the introductions made on the spot.

An attendee is identifiable data even without an NHS number (a name, a date of birth and a
postcode are enough), so attendees are reached only through ``octopus.community.scoping``: the
staff present at the session see what they recorded; everyone else sees counts (decision 0042).
"""

from django.conf import settings
from django.db import models


class Session(models.Model):
    """One drop-in at one community location on one day ("Church Street Library, 3 December")."""

    location = models.ForeignKey("directory.Location", on_delete=models.PROTECT, related_name="drop_ins")
    title = models.CharField(max_length=120, help_text="What residents know it as, e.g. 'Money and housing drop-in'.")
    held_on = models.DateField()
    starts_at = models.TimeField()
    ends_at = models.TimeField()
    # Where needs found here are counted on the findings dashboard: the LSOA of the venue, found
    # from the location's coordinates when the session is set up (``services.venue_lsoa``).
    lsoa_code = models.CharField("LSOA 2021 code of the venue", max_length=9, blank=True)
    run_by = models.ForeignKey("directory.Organisation", on_delete=models.PROTECT, related_name="drop_ins_run")
    partners = models.ManyToManyField(
        "directory.Organisation",
        blank=True,
        related_name="drop_ins_attended",
        help_text="Partner organisations present.",
    )
    staff = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        related_name="drop_in_sessions",
        help_text="Staff present; they record and see the attendees.",
    )
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["-held_on", "-starts_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(ends_at__gt=models.F("starts_at")), name="drop_in_ends_after_it_starts"
            )
        ]
        indexes = [models.Index(fields=["location", "held_on"])]

    def __str__(self) -> str:
        return f"{self.title}, {self.location.name}, {self.held_on:%-d %B %Y}"


class Attendee(models.Model):
    """Someone who came, recorded in seconds: anonymously, or with what they chose to give."""

    session = models.ForeignKey(Session, on_delete=models.PROTECT, related_name="attendees")
    anonymous = models.BooleanField(default=False, help_text="Gave no name: counted, never matched.")
    given_name = models.CharField(max_length=100, blank=True)
    family_name = models.CharField(max_length=100, blank=True)
    date_of_birth = models.DateField(null=True, blank=True)
    postcode = models.CharField(max_length=10, blank=True)
    nhs_number = models.CharField("NHS number", max_length=10, blank=True)
    needs = models.JSONField(
        default=dict,
        blank=True,
        help_text="Topic code -> need codes (the doorstep vocabulary, octopus.community.needs).",
    )
    # Yes, no or not asked (null). Only "yes" lets the attendee go to linkage (octopus.community.linkage).
    consent_to_match = models.BooleanField(
        null=True, blank=True, help_text="Agreed to be matched with their health and care record."
    )
    resident = models.ForeignKey(
        "residents.Resident",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="drop_in_attendances",
        help_text="Set by linkage, only for attendees who agreed.",
    )
    matched_at = models.DateTimeField(null=True, blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField()

    class Meta:
        ordering = ["session", "recorded_at", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(anonymous=True)
                | (
                    models.Q(given_name="", family_name="", postcode="", nhs_number="", date_of_birth__isnull=True)
                    & ~models.Q(consent_to_match=True)
                ),
                name="anonymous_attendee_has_no_identifiers",
            ),
        ]

    def __str__(self) -> str:
        return f"Attendee {self.pk} at {self.session}"

    @property
    def source_person_id(self) -> str:
        """The attendee's id in the VCSE contacts feed sent to linkage: stable, never reused."""
        return f"DROPIN-{self.pk}"


class IntroductionStatus(models.TextChoices):
    MADE = "made", "Introduced"
    MET = "met", "Met the person"
    COMPLETED = "completed", "Completed"
    CLOSED = "closed", "Did not go ahead"


DONE = (IntroductionStatus.MET, IntroductionStatus.COMPLETED)


class Introduction(models.Model):
    """A warm introduction on the spot to a named person from the directory. For an attendee who
    is not (yet) matched to a resident there is no record to refer, so this row is the
    introduction; once matched, further introductions go through the care app's referral service
    and ``referral`` points at the referral it made."""

    attendee = models.ForeignKey(Attendee, on_delete=models.PROTECT, related_name="introductions")
    to_practitioner = models.ForeignKey(
        "directory.Practitioner", on_delete=models.PROTECT, related_name="drop_in_introductions"
    )
    need = models.CharField(max_length=30, blank=True, help_text="The kind of need (topic code) it addresses.")
    shared_information = models.CharField(max_length=500, help_text="What the attendee agreed may be shared.")
    status = models.CharField(max_length=12, choices=IntroductionStatus.choices, default=IntroductionStatus.MADE)
    referral = models.OneToOneField(
        "care.Referral", null=True, blank=True, on_delete=models.PROTECT, related_name="drop_in_introduction"
    )
    made_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    made_at = models.DateTimeField()
    updated_at = models.DateTimeField()

    class Meta:
        ordering = ["made_at", "pk"]

    def __str__(self) -> str:
        return f"Introduction to {self.to_practitioner.name}"

    @property
    def completed(self) -> bool:
        if self.referral_id:
            from octopus.outreach.supervision import DONE as REFERRAL_DONE

            return self.referral.status in REFERRAL_DONE
        return self.status in DONE
