"""A doorstep visit: what happened when the CHWW knocked. An outcome, who they spoke to, the
structured conversation (``octopus.outreach.conversation``), the resident's consent to share and
to be introduced, and a short note; anything more goes through an introduction or referral.

``client_key`` is made by the phone when the visit is first saved (decision 0030): a visit
queued offline and sent twice (a retry after a lost response) is recorded once."""

from django.conf import settings
from django.db import models


class VisitOutcome(models.TextChoices):
    # "spoke" is kept as the stored value: visits recorded before the structured conversation.
    SPOKE = "spoke", "Engaged: we talked"
    NO_ANSWER = "no_answer", "No answer"
    DECLINED = "declined", "Declined to talk"
    MOVED = "moved", "Moved away"


# Outcomes after which the household needs no more knocks this round. "No answer" is not one:
# the household is still to visit. This is the definition behind "96 of 120 households visited".
COUNTS_AS_VISITED = frozenset({VisitOutcome.SPOKE, VisitOutcome.DECLINED, VisitOutcome.MOVED})


class Visit(models.Model):
    allocation = models.ForeignKey("outreach.Allocation", on_delete=models.PROTECT, related_name="visits")
    outcome = models.CharField(max_length=12, choices=VisitOutcome.choices)
    spoke_with = models.ForeignKey(
        "residents.Resident", null=True, blank=True, on_delete=models.PROTECT, related_name="outreach_visits"
    )
    note = models.CharField(max_length=500, blank=True)
    # Someone in the household asked not to be contacted, and the CHWW confirmed they had read it.
    do_not_contact_acknowledged = models.BooleanField(default=False)
    answers = models.JSONField(
        default=dict, blank=True, help_text="Topic code -> answer codes (octopus.outreach.conversation)."
    )
    consent_to_share = models.BooleanField(
        null=True, blank=True, help_text="Agreed that what they said may be shared with their care team."
    )
    consent_to_introduce = models.BooleanField(
        null=True, blank=True, help_text="Agreed to be introduced to someone who can help."
    )
    client_key = models.UUIDField(null=True, blank=True, unique=True, editable=False)
    visited_on = models.DateField()
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField()

    class Meta:
        ordering = ["-visited_on", "-recorded_at", "-id"]

    def __str__(self) -> str:
        return f"{self.get_outcome_display()} at {self.allocation.household} on {self.visited_on}"

    @property
    def counts_as_visited(self) -> bool:
        return self.outcome in COUNTS_AS_VISITED
