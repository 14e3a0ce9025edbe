"""A follow-up call after a hospital discharge, started from the "discharged in the last 14 days"
list: one inbox task for a named person, due 72 hours after the discharge (the standard and its
sources are in casefinding.yaml, ``discharge_follow_up``).

One row per resident and discharge (``spell_key``, the hospital spell's feed key), so starting
the follow-up twice does not give the resident two calls for the same discharge; a row whose task
was cancelled (the resident died, or the owner left) takes a new task when started again.
"""

from django.conf import settings
from django.db import models


class DischargeFollowUp(models.Model):
    resident = models.ForeignKey("residents.Resident", on_delete=models.PROTECT, related_name="discharge_follow_ups")
    spell_key = models.CharField(max_length=160, help_text="The hospital spell: its feed and the sender's record key.")
    discharged_on = models.DateField()
    hospital = models.CharField(max_length=200, blank=True)
    task = models.ForeignKey("care.Task", on_delete=models.PROTECT, related_name="+")
    list_name = models.CharField(max_length=60, blank=True, help_text="The list the follow-up was started from.")
    started_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    started_at = models.DateTimeField()

    class Meta:
        ordering = ["-discharged_on", "-id"]
        constraints = [models.UniqueConstraint(fields=["resident", "spell_key"], name="one_follow_up_per_discharge")]

    def __str__(self) -> str:
        return f"Discharge follow-up for {self.resident} (discharged {self.discharged_on})"
