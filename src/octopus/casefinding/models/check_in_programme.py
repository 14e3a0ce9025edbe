"""A check-in programme: the integrated shielded model's monthly call to a resident by one named
caller, following a script (Westminster out-of-hospital recovery plan: "proactive reviews for
lower risk patients will be undertaken monthly via virtual check-ins by care coordinators and
other support staff"). The calls themselves are care ``CheckIn`` rows, held by the caller's
organisation, so the resident is rung by one service rather than five."""

from django.conf import settings
from django.db import models


class CheckInProgramme(models.Model):
    resident = models.ForeignKey("residents.Resident", on_delete=models.PROTECT, related_name="check_in_programmes")
    caller = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="check_in_programmes")
    organisation = models.ForeignKey("directory.Organisation", on_delete=models.PROTECT, related_name="+")
    script = models.CharField(max_length=60, help_text="A script code from casefinding.yaml.")
    every_days = models.PositiveSmallIntegerField()
    calls = models.PositiveSmallIntegerField()
    list_name = models.CharField(max_length=60, blank=True, help_text="The list the programme was started from.")
    started_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    started_at = models.DateTimeField()
    ended_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-started_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["resident"], condition=models.Q(ended_at__isnull=True), name="one_running_check_in_programme"
            )
        ]

    def __str__(self) -> str:
        return f"Check-ins for {self.resident} by {self.caller}"
