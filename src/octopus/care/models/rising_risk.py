"""A note left on a rising-risk resident who was reviewed but not taken on (journey 2: "the others
she leaves with a note"), so the next review knows they were looked at and why.

Superseded by ``casefinding.ListDecision`` (decision 0022): migration casefinding 0002 copied
these notes there and nothing writes here any more. The table stays until a care migration
drops it, so that migration can be reviewed on its own.
"""

from django.conf import settings
from django.db import models


class RisingRiskNote(models.Model):
    resident = models.ForeignKey("residents.Resident", on_delete=models.PROTECT, related_name="rising_risk_notes")
    note = models.CharField(max_length=500)
    snapshot_run_id = models.CharField(
        max_length=40, blank=True, help_text="The population run whose list was reviewed."
    )
    written_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    written_at = models.DateTimeField()

    class Meta:
        ordering = ["-written_at", "-id"]
