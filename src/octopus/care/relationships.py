"""The legitimate relationships care coordination creates, registered with the governance
access point (``octopus.governance.access``), which is the only way views reach residents."""

import datetime as dt

from django.db.models import Q
from django.utils import timezone

from octopus.governance import access

from . import config
from .models import CarePlan, Case, Referral
from .models.referral import OPEN_STATUSES


@access.register("caseload", "On your team's or your own caseload, or you are their lead professional")
def caseload(user) -> Q:
    # A recently closed case still counts, so the team can finish its notes and (after a death)
    # follow up with the family.
    since = timezone.now() - dt.timedelta(days=config.settings().case_recently_closed_days)
    cases = Case.objects.filter(Q(closed_at__isnull=True) | Q(closed_at__gte=since)).filter(
        Q(team_id__in=user.team_ids) | Q(holder=user)
    )
    led = CarePlan.objects.filter(lead_professional=user)
    return Q(pk__in=cases.values("resident_id")) | Q(pk__in=led.values("resident_id"))


def referral_parties(user) -> Q:
    """Referrals this user sent, owns, or that were made to their team or to them by name."""
    parties = Q(sender=user) | Q(owner=user) | Q(to_team_id__in=user.team_ids)
    if user.practitioner_id:
        parties |= Q(to_practitioner_id=user.practitioner_id)
    return parties


@access.register("referral", "Referred or introduced to you or your team")
def referral(user) -> Q:
    since = timezone.now() - dt.timedelta(days=config.settings().referral_recently_closed_days)
    live = Q(status__in=OPEN_STATUSES) | Q(closed_at__gte=since)
    referrals = Referral.objects.filter(referral_parties(user)).filter(live)
    return Q(pk__in=referrals.values("resident_id"))
