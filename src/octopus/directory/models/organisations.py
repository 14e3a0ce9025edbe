"""The team of teams: organisations, their teams in tiers, and the named people in them.

Follows the London neighbourhood health design principles (resident at the centre; hyper-local,
consistent, tailored and aligned-specialist tiers of teams around them).
"""

import uuid

from django.db import models
from django.urls import reverse


class Heart(models.TextChoices):
    """The Westminster Octopus's three hearts, plus the research brain."""

    LOCAL_AUTHORITY = "local_authority", "Local authority"
    HEALTH = "health", "Health"
    VCSE = "vcse", "Voluntary, community and social enterprise"
    RESEARCH = "research", "Research and academia"


class Tier(models.TextChoices):
    HYPER_LOCAL = "hyper_local", "Hyper-local"
    CONSISTENT = "consistent", "Consistent"
    TAILORED = "tailored", "Tailored"
    ALIGNED_SPECIALIST = "aligned_specialist", "Aligned specialist"


class Organisation(models.Model):
    # A stable public identifier, so Open Referral exports and imports keep identity across systems.
    uid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    name = models.CharField(max_length=200, unique=True)
    heart = models.CharField(max_length=20, choices=Heart.choices)
    ods_code = models.CharField("ODS code", max_length=12, blank=True)
    charity_number = models.CharField(max_length=20, blank=True)
    website = models.URLField(blank=True)
    description = models.TextField(blank=True)

    email = models.EmailField(blank=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("directory:organisation", args=[self.pk])


class Team(models.Model):
    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="teams")
    name = models.CharField(max_length=200)
    tier = models.CharField(max_length=24, choices=Tier.choices)
    description = models.TextField(blank=True)
    hours = models.CharField(max_length=200, blank=True)
    contact_route = models.CharField(max_length=300, blank=True, help_text="How colleagues should reach the team.")
    phone = models.CharField(max_length=40, blank=True)
    email = models.EmailField(blank=True)
    accepts_referrals = models.BooleanField(default=True)
    never_declines = models.BooleanField(
        default=False,
        help_text="Teams that never turn a referral away (like Islington's INC) may redirect but not decline.",
    )
    neighbourhoods = models.ManyToManyField(
        "directory.Neighbourhood", blank=True, related_name="teams", help_text="The neighbourhoods this team serves."
    )

    class Meta:
        ordering = ["organisation__name", "name"]
        constraints = [models.UniqueConstraint(fields=["organisation", "name"], name="unique_team_name")]

    def __str__(self) -> str:
        return f"{self.name} ({self.organisation})"

    def get_absolute_url(self) -> str:
        return reverse("directory:team", args=[self.pk])


class Practitioner(models.Model):
    """A named person others can find and introduce residents to ("I know Fred at...")."""

    uid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    given_name = models.CharField(max_length=100)
    family_name = models.CharField(max_length=100)
    job_title = models.CharField(max_length=200)
    team = models.ForeignKey(Team, on_delete=models.PROTECT, related_name="practitioners")
    phone = models.CharField(max_length=40, blank=True)
    email = models.EmailField(blank=True)
    availability = models.CharField(max_length=300, blank=True)
    active = models.BooleanField(default=True)

    class Meta:
        ordering = ["family_name", "given_name"]

    @property
    def name(self) -> str:
        return f"{self.given_name} {self.family_name}"

    def __str__(self) -> str:
        return f"{self.name}, {self.job_title}"

    def get_absolute_url(self) -> str:
        return reverse("directory:practitioner", args=[self.pk])
