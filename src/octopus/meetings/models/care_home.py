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
    lead_gp = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    practice = models.ForeignKey("directory.GPPractice", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    postcode = models.CharField(max_length=10, blank=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class CareHomeResident(models.Model):
    """A resident living in a home; ``left_on`` set when they move out (history is kept)."""

    care_home = models.ForeignKey(CareHome, on_delete=models.CASCADE, related_name="placements")
    resident = models.ForeignKey("residents.Resident", on_delete=models.PROTECT, related_name="care_home_placements")
    moved_in_on = models.DateField()
    left_on = models.DateField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["resident"], condition=models.Q(left_on__isnull=True), name="one_current_care_home")
        ]
