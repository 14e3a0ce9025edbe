"""Reading social prescribing records for the pages, always narrowed by the access point."""

from django.db.models import Q

from octopus.directory.models import Heart, Practitioner
from octopus.governance import access

from .models import Prescription


def visible(user):
    """Prescriptions about residents this user may open (any team's)."""
    return access.scoped(
        user, Prescription.objects.select_related("case__team", "case__holder", "case__resident"), via="case__resident"
    )


def caseload(user):
    """The link worker's caseload: open prescriptions held by their teams or by them."""
    mine = Q(case__team_id__in=user.team_ids) | Q(case__holder=user)
    return visible(user).filter(mine, case__closed_at__isnull=True).prefetch_related("goals", "introductions", "scores")


def for_resident(user, resident):
    return (
        visible(user)
        .filter(case__resident=resident)
        .prefetch_related(
            "goals",
            "scores",
            "introductions__referral__to_team__organisation",
            "introductions__referral__to_practitioner",
        )
    )


def vcse_practitioners():
    """Named people in VCSE organisations, for warm introductions (the directory is not
    resident data)."""
    return (
        Practitioner.objects.filter(team__organisation__heart=Heart.VCSE, active=True)
        .select_related("team__organisation")
        .order_by("team__organisation__name", "family_name")
    )
