"""A meeting series: the weekly INC, the twice-weekly huddle or a care home's MDT.

Core members are named people with the role they bring; everyone attending has equal standing.
"""

import datetime as dt

from django.conf import settings
from django.db import models
from django.utils import timezone


class MeetingKind(models.TextChoices):
    INC = "inc", "Integrated care conference"
    HUDDLE = "huddle", "Huddle"
    CARE_HOME_MDT = "care_home_mdt", "Care-home MDT"


class Frequency(models.TextChoices):
    WEEKLY = "weekly", "Every week"
    FORTNIGHTLY = "fortnightly", "Every other week"
    # Care-home MDTs often meet on, say, the first Monday of the month.
    MONTHLY = "monthly", "Once a month, on the first of each chosen day"


class MeetingSeries(models.Model):
    name = models.CharField(max_length=200, unique=True)
    kind = models.CharField(max_length=20, choices=MeetingKind.choices)
    # Referrals to this team are "new referrals to the meeting"; its members attend.
    team = models.ForeignKey("directory.Team", on_delete=models.PROTECT, related_name="meeting_series")
    # The population the worklist is drawn from: one of these is set.
    neighbourhood = models.ForeignKey(
        "directory.Neighbourhood", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    pcn = models.ForeignKey("directory.PCN", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    care_home = models.ForeignKey(
        "meetings.CareHome", null=True, blank=True, on_delete=models.PROTECT, related_name="series"
    )
    # What people read ("Tuesdays and Fridays, 09:00–09:30"); written from the fields below when
    # they are set, so the dates Octopus plans and the words people see cannot disagree.
    schedule = models.CharField(max_length=200, help_text="For example: Thursdays 13:00–15:00.")
    weekdays = models.JSONField(default=list, blank=True, help_text="Days of the week it meets, 0 is Monday.")
    start_time = models.TimeField(null=True, blank=True)
    duration_minutes = models.PositiveSmallIntegerField(default=60)
    frequency = models.CharField(max_length=12, choices=Frequency.choices, default=Frequency.WEEKLY)
    # The first meeting is on or after this date; every-other-week counts weeks from it.
    starts_on = models.DateField(null=True, blank=True)
    locations = models.TextField(blank=True, help_text="One per line; meetings rotate between them.")
    worklist = models.CharField(max_length=40, help_text="The worklist rules in meetings.yaml.")
    minutes_per_resident = models.PositiveSmallIntegerField(default=10)
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["name"]

    @property
    def has_timetable(self) -> bool:
        return bool(self.weekdays) and self.start_time is not None

    @property
    def timetable_anchor(self) -> dt.date:
        """The week every-other-week counts from, and the earliest day meetings are planned on."""
        return self.starts_on or timezone.localdate(self.created_at)

    @property
    def location_list(self) -> list[str]:
        return [line.strip() for line in self.locations.splitlines() if line.strip()]

    @property
    def scope_label(self) -> str:
        if self.care_home_id:
            return f"Residents of {self.care_home.name}"
        if self.pcn_id:
            return f"Registered with practices in {self.pcn.name}"
        if self.neighbourhood_id:
            return f"Living or registered in {self.neighbourhood.name}"
        return "No population set"

    def __str__(self) -> str:
        return self.name


class SeriesMember(models.Model):
    series = models.ForeignKey(MeetingSeries, on_delete=models.CASCADE, related_name="members")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="meeting_memberships")
    role = models.CharField(max_length=100, help_text="The profession they bring: GP, community matron, …")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["series", "user"], name="unique_series_member")]


class ConfidentialityAgreement(models.Model):
    """Attendees confirm the confidentiality agreement once per series (INC practice)."""

    series = models.ForeignKey(MeetingSeries, on_delete=models.CASCADE, related_name="agreements")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    confirmed_at = models.DateTimeField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["series", "user"], name="unique_confidentiality_agreement")]
