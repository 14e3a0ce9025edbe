"""Who belongs to a meeting series: its core members, the members of its team, and anyone whose
attendance at one of its meetings was recorded. Everyone attending has equal standing."""

from django.db.models import Q

from .models import Attendance, ConfidentialityAgreement, MeetingSeries, SeriesMember


def series_ids_for(user) -> set[int]:
    if not getattr(user, "is_authenticated", False):
        return set()
    core = SeriesMember.objects.filter(user=user).order_by().values_list("series_id", flat=True)
    attended = Attendance.objects.filter(user=user).order_by().values_list("meeting__series_id", flat=True)
    teams = MeetingSeries.objects.filter(team_id__in=user.team_ids).order_by().values_list("pk", flat=True)
    # One round trip, not three: every record page and worklist asks (through the access point).
    return set(core.union(attended, teams))


def series_q(user) -> Q:
    """A Q over MeetingSeries selecting the series this user belongs to (for subqueries)."""
    return Q(members__user=user) | Q(meetings__attendance__user=user) | Q(team_id__in=list(user.team_ids))


def is_member(user, series: MeetingSeries) -> bool:
    return series.pk in series_ids_for(user)


def has_agreed(user, series: MeetingSeries) -> bool:
    return ConfidentialityAgreement.objects.filter(series=series, user=user).exists()


def may_see_entries(user, series: MeetingSeries) -> bool:
    """Identifiable worklist entries: members who have confirmed the confidentiality agreement."""
    return is_member(user, series) and has_agreed(user, series)
