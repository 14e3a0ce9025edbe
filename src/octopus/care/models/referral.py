"""Referrals to a team and warm introductions to a named person, as an explicit state machine.

Each change of state is a ``ReferralEvent`` row, so the sender can see progress without chasing
and the directory can show each team's responsiveness computed from what really happened.
"""

from django.conf import settings
from django.db import models


class ReferralStatus(models.TextChoices):
    SENT = "sent", "Sent"
    ACCEPTED = "accepted", "Accepted"
    REDIRECTED = "redirected", "Redirected"
    DECLINED = "declined", "Declined"
    FIRST_CONTACT = "first_contact", "First contact made"
    COMPLETED = "completed", "Completed"
    CLOSED = "closed", "Closed"


OPEN_STATUSES = (ReferralStatus.SENT, ReferralStatus.ACCEPTED, ReferralStatus.FIRST_CONTACT)


class Urgency(models.TextChoices):
    URGENT = "urgent", "Urgent (within 1 working day)"
    SOON = "soon", "Soon (within 3 days)"
    ROUTINE = "routine", "Routine (within 7 days)"


class ContactRoute(models.TextChoices):
    PHONE = "phone", "Phone call"
    TEXT = "text", "Text message"
    EMAIL = "email", "Email"
    VISIT = "visit", "Home visit"
    VIA_REFERRER = "via_referrer", "Through me (the referrer)"


class Referral(models.Model):
    resident = models.ForeignKey("residents.Resident", on_delete=models.PROTECT, related_name="referrals")
    sender = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="sent_referrals")
    sender_team = models.ForeignKey(
        "directory.Team", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    to_team = models.ForeignKey("directory.Team", on_delete=models.PROTECT, related_name="referrals")
    # Set for a warm introduction: "I know Fred at Citizens Advice".
    to_practitioner = models.ForeignKey(
        "directory.Practitioner", null=True, blank=True, on_delete=models.PROTECT, related_name="introductions"
    )
    reason = models.TextField()
    urgency = models.CharField(max_length=10, choices=Urgency.choices)
    shared_information = models.TextField(help_text="What the resident agreed may be shared with the receiver.")
    resident_agreed = models.BooleanField(default=False)
    preferred_contact = models.CharField(max_length=20, choices=ContactRoute.choices)
    contact_details = models.CharField(max_length=200, blank=True)
    status = models.CharField(max_length=20, choices=ReferralStatus.choices, default=ReferralStatus.SENT, db_index=True)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="owned_referrals",
        help_text="The receiving person who has taken it on.",
    )
    due_at = models.DateTimeField(help_text="When the next step is due (response, then first contact).")
    sent_at = models.DateTimeField()
    accepted_at = models.DateTimeField(null=True, blank=True)
    first_contact_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    decline_reason = models.TextField(blank=True)
    redirected_to = models.OneToOneField(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="redirected_from"
    )

    class Meta:
        ordering = ["-sent_at"]
        indexes = [models.Index(fields=["to_team", "status"]), models.Index(fields=["to_practitioner", "status"])]

    @property
    def is_introduction(self) -> bool:
        return self.to_practitioner_id is not None

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES

    @property
    def recipient_label(self) -> str:
        if self.to_practitioner_id:
            return f"{self.to_practitioner.name}, {self.to_team.name}"
        return str(self.to_team)

    def __str__(self) -> str:
        kind = "Introduction" if self.is_introduction else "Referral"
        return f"{kind} of {self.resident} to {self.recipient_label}"


class ReferralEvent(models.Model):
    referral = models.ForeignKey(Referral, on_delete=models.CASCADE, related_name="events")
    from_status = models.CharField(max_length=20, choices=ReferralStatus.choices, blank=True)
    to_status = models.CharField(max_length=20, choices=ReferralStatus.choices)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    at = models.DateTimeField()
    note = models.TextField(blank=True)

    class Meta:
        ordering = ["at", "id"]
