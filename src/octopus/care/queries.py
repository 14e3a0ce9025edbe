"""Read-side queries for caseloads and the inbox. Every resident reached
here comes from ``access.residents_for(user)``; care rows are filtered to those residents."""

import datetime as dt

from django.db.models import Count, OuterRef, Q, Subquery
from django.utils import timezone

from octopus.governance import access

from .models import CarePlanAction, Case, CheckIn, CheckInStatus, Referral, Task, TierAssignment
from .models.plan import ActionStatus
from .models.referral import OPEN_STATUSES, ReferralStatus
from .relationships import referral_parties

SORTS = {
    "name": ("resident__family_name", "resident__given_name"),
    "band": ("-resident__risk_probability",),
    "segment": ("resident__segment", "resident__family_name"),
    "review": ("next_review_due",),
    "overdue": ("-overdue_actions", "next_review_due"),
    "last_contact": ("last_contact_on",),
}
SMALL_NUMBER = 5  # counts below this are suppressed where residents are not identifiable to the user


def caseload(user, *, team_id=None, holder_id=None, band="", segment="", tier="", sort="review"):
    today = timezone.localdate()
    cases = Case.objects.filter(closed_at__isnull=True).filter(Q(team_id__in=user.team_ids) | Q(holder=user))
    if not access.opens_record_through(user, "caseload"):
        # These open cases are the caseload relationship itself (``care.relationships``); only
        # without it do they need the union of every relationship, which cost the page 110 ms
        # of PostgreSQL at 1M residents.
        cases = cases.filter(resident__in=access.residents_for(user))
    if team_id:
        cases = cases.filter(team_id=team_id)
    if holder_id == "team":
        cases = cases.filter(holder__isnull=True)
    elif holder_id:
        cases = cases.filter(holder_id=holder_id)
    if band:
        cases = cases.filter(resident__risk_band=band)
    if segment:
        cases = cases.filter(resident__segment=segment)
    current_tier = TierAssignment.objects.filter(resident=OuterRef("resident_id"), ended_at__isnull=True).values(
        "tier"
    )[:1]
    if tier:
        cases = cases.annotate(_tier=Subquery(current_tier)).filter(_tier=tier)
    cases = cases.annotate(
        overdue_actions=Count(
            "resident__care_plan__actions",
            filter=Q(
                resident__care_plan__actions__status__in=[ActionStatus.TO_DO, ActionStatus.IN_PROGRESS],
                resident__care_plan__actions__due__lt=today,
            ),
            distinct=True,
        ),
        current_tier=Subquery(current_tier),
    ).select_related("resident", "team", "holder")
    return cases.order_by(*SORTS.get(sort, SORTS["review"]), "pk")


def caseload_counts(cases) -> dict:
    today = timezone.localdate()
    week_ago = timezone.now() - dt.timedelta(days=7)
    # One pass over the caseload: a query per figure repeated its joins and access check four times.
    return cases.aggregate(
        open=Count("pk"),
        reviews_overdue=Count("pk", filter=Q(next_review_due__lt=today)),
        new_this_week=Count("pk", filter=Q(opened_at__gte=week_ago)),
        with_overdue_actions=Count("pk", filter=Q(overdue_actions__gt=0)),
    )


def caseload_filters(user) -> dict:
    from octopus.accounts.models import User

    cases = Case.objects.filter(closed_at__isnull=True).filter(Q(team_id__in=user.team_ids) | Q(holder=user))
    return {
        "holders": User.objects.filter(pk__in=cases.exclude(holder__isnull=True).values("holder_id")).order_by(
            "first_name", "last_name"
        ),
        **_bands_and_segments(cases),
    }


def _bands_and_segments(cases) -> dict:
    # One read of the distinct (band, segment) pairs, a few dozen at most, instead of one each.
    # order_by(): a model's default ordering would join the DISTINCT and make every case a row.
    pairs = list(cases.order_by().values_list("resident__risk_band", "resident__segment").distinct())
    return {
        "bands": sorted({band for band, _ in pairs if band}),
        "segments": sorted({segment for _, segment in pairs if segment}),
    }


def inbox(user) -> dict:
    today = timezone.localdate()
    soon = today + dt.timedelta(days=7)
    waiting = Referral.objects.filter(status=ReferralStatus.SENT).filter(
        Q(to_team_id__in=user.team_ids) | Q(to_practitioner_id=user.practitioner_id or 0)
    )
    in_hand = Referral.objects.filter(owner=user, status__in=[ReferralStatus.ACCEPTED, ReferralStatus.FIRST_CONTACT])
    actions = list(
        CarePlanAction.objects.filter(
            owner=user, status__in=[ActionStatus.TO_DO, ActionStatus.IN_PROGRESS], due__lte=soon
        )
        .select_related("plan__resident")
        .order_by("due")
    )
    check_ins = list(
        CheckIn.objects.filter(status=CheckInStatus.SCHEDULED, due_on__lte=soon)
        .filter(Q(assignee=user) | Q(assignee__isnull=True, organisation_id__in=user.organisation_ids))
        .select_related("resident", "organisation")
        .order_by("due_on")
    )
    # Only rows about residents the user may still open. The week's few rows are read first and
    # their residents asked about in one query: filtering by ``residents_for`` built the union of
    # every relationship twice, 300 ms of the inbox at 1M residents (decision 0069).
    allowed = access.openable_among(user, [a.plan.resident_id for a in actions] + [c.resident_id for c in check_ins])
    return {
        "tasks": Task.objects.filter(owner=user, done_at__isnull=True, cancelled_at__isnull=True).select_related(
            "resident"
        ),
        "referrals_waiting": waiting.select_related("resident", "sender", "to_team", "to_practitioner").order_by(
            "due_at"
        ),
        "referrals_in_hand": in_hand.select_related("resident", "to_team", "to_practitioner").order_by("due_at"),
        "actions": [a for a in actions if a.plan.resident_id in allowed],
        "check_ins": [c for c in check_ins if c.resident_id in allowed],
        "reviews": Case.objects.filter(holder=user, closed_at__isnull=True, next_review_due__lte=soon)
        .select_related("resident", "team")
        .order_by("next_review_due"),
        # Stepped down a tier and still watched by the tier below (Islington's rising-risk group
        # monitors residents de-escalated from the INC).
        "monitoring": TierAssignment.objects.filter(
            ended_at__isnull=True,
            monitor_until__gte=today,
            resident__in=Case.objects.filter(closed_at__isnull=True)
            .filter(Q(team_id__in=user.team_ids) | Q(holder=user))
            .values("resident_id"),
        )
        .select_related("resident")
        .order_by("monitor_until"),
        "today": today,
    }


def referrals_for(user) -> dict:
    parties = referral_parties(user)
    base = Referral.objects.filter(parties).select_related("resident", "sender", "to_team", "to_practitioner", "owner")
    return {
        "incoming": base.exclude(sender=user).filter(status__in=OPEN_STATUSES).order_by("due_at"),
        "sent": base.filter(sender=user).order_by("-sent_at")[:50],
    }
