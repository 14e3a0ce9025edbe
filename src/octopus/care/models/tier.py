"""Which tier of care the resident is in, and why they moved (Islington's rising-risk group
escalates to the INC and monitors residents de-escalated from it)."""

from django.conf import settings
from django.db import models


class CareTier(models.TextChoices):
    UNIVERSAL = "universal", "Universal (self-care)"
    PROACTIVE = "proactive", "Proactive (rising risk)"
    COMPLEX = "complex", "Complex case management (MDT/INC)"


TIER_ORDER = {CareTier.UNIVERSAL: 0, CareTier.PROACTIVE: 1, CareTier.COMPLEX: 2}


class TierAssignment(models.Model):
    resident = models.ForeignKey("residents.Resident", on_delete=models.PROTECT, related_name="tier_assignments")
    tier = models.CharField(max_length=12, choices=CareTier.choices)
    reason = models.TextField()
    set_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    started_at = models.DateTimeField()
    ended_at = models.DateTimeField(null=True, blank=True)
    # After a step down, the tier below keeps watch until this date.
    monitor_until = models.DateField(null=True, blank=True)

    class Meta:
        ordering = ["-started_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["resident"], condition=models.Q(ended_at__isnull=True), name="one_current_tier"
            )
        ]
