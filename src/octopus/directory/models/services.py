"""Services and community assets in the Open Referral UK shape: organisation → service → location.

Field names follow HSDS 3 / the Open Referral UK profile where one exists (``status``,
``eligibility_description``, ``application_process``, ``minimum_age``), so import and export
(``octopus.directory.openreferral``) are a mapping, not a translation. ``capacity`` and
``first_contact_days`` are Octopus additions: referrers need to know how quickly someone will
hear back (journey 5).
"""

import re
import uuid

from django.db import models
from django.urls import reverse

from .organisations import Organisation, Practitioner, Team

# UK outward code (postcode district), e.g. W2, NW8, SW1P, EC1A.
OUTWARD_CODE = re.compile(r"^([A-Z]{1,2}[0-9][0-9A-Z]?)(?:\s*[0-9][A-Z]{2})?$")


def postcode_district(postcode: str) -> str:
    """'W2 5PS' → 'W2'; '' for anything that is not a UK postcode."""
    match = OUTWARD_CODE.match(postcode.strip().upper())
    return match.group(1) if match else ""


class ServiceStatus(models.TextChoices):
    ACTIVE = "active", "Active"
    INACTIVE = "inactive", "Inactive"
    DEFUNCT = "defunct", "Defunct"
    TEMPORARILY_CLOSED = "temporarily closed", "Temporarily closed"


class TaxonomyTerm(models.Model):
    """A category a service is filed under (HSDS taxonomy_term), e.g. 'Debt advice'."""

    uid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    code = models.CharField(max_length=60, unique=True)
    name = models.CharField(max_length=200)
    vocabulary = models.CharField(max_length=100, default="octopus", help_text="The taxonomy this term belongs to.")
    parent = models.ForeignKey("self", null=True, blank=True, on_delete=models.SET_NULL, related_name="children")

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Location(models.Model):
    """A place a service is delivered from (HSDS location with its physical address)."""

    uid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    name = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    address_1 = models.CharField("address", max_length=200, blank=True)
    city = models.CharField(max_length=100, blank=True, default="London")
    postal_code = models.CharField("postcode", max_length=10, blank=True)
    district = models.CharField(
        "postcode district",
        max_length=4,
        blank=True,
        db_index=True,
        editable=False,
        help_text="Derived from the postcode so that 'near W2' can match.",
    )
    latitude = models.FloatField(null=True, blank=True)
    longitude = models.FloatField(null=True, blank=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return f"{self.name}, {self.postal_code}" if self.postal_code else self.name

    def save(self, *args, **kwargs):
        self.district = postcode_district(self.postal_code)
        super().save(*args, **kwargs)


class Service(models.Model):
    uid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="services")
    team = models.ForeignKey(
        Team,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="services",
        help_text="The team that delivers it, if known.",
    )
    name = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    url = models.URLField(blank=True)
    email = models.EmailField(blank=True)
    phone = models.CharField(max_length=40, blank=True)
    status = models.CharField(max_length=20, choices=ServiceStatus.choices, default=ServiceStatus.ACTIVE)
    eligibility_description = models.TextField("eligibility", blank=True)
    minimum_age = models.PositiveSmallIntegerField(null=True, blank=True)
    maximum_age = models.PositiveSmallIntegerField(null=True, blank=True)
    application_process = models.TextField("how to refer", blank=True)
    hours = models.CharField(max_length=300, blank=True)
    capacity = models.CharField(
        max_length=300,
        blank=True,
        help_text="What referrers should expect, e.g. 'Taking new people; waiting list 1 week'.",
    )
    first_contact_days = models.PositiveSmallIntegerField(
        null=True, blank=True, help_text="Usually makes first contact within this many working days."
    )
    is_community_asset = models.BooleanField(
        default=False, help_text="A place or group residents can use without a referral (a drop-in, a lunch club)."
    )
    locations = models.ManyToManyField(Location, blank=True, related_name="services")
    taxonomy_terms = models.ManyToManyField(TaxonomyTerm, blank=True, related_name="services")
    neighbourhoods = models.ManyToManyField(
        "directory.Neighbourhood", blank=True, related_name="services", help_text="Service areas."
    )
    contacts = models.ManyToManyField(
        Practitioner, blank=True, related_name="services", help_text="Named people who take introductions."
    )

    class Meta:
        ordering = ["name"]
        constraints = [models.UniqueConstraint(fields=["organisation", "name"], name="unique_service_name")]

    def __str__(self) -> str:
        return f"{self.name} ({self.organisation})"

    def get_absolute_url(self) -> str:
        return reverse("directory:service", args=[self.pk])
