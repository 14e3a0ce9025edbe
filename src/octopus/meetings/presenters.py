"""View-model helpers: the joined-up record summary shown per resident in the meeting, and the
six-monthly review of how the meeting runs (aggregate, disclosure-controlled)."""

import datetime as dt
import statistics
from dataclasses import dataclass

from django.db.models import Count
from django.urls import reverse
from django.utils import timezone

from octopus.care.models import CarePlan, Case, Referral
from octopus.care.models.plan import ActionStatus
from octopus.care.models.referral import OPEN_STATUSES
from octopus.care.services import current_tier
from octopus.core.disclosure import protect_table, publish_count
from octopus.residents.models import ActivityEvent, ActivityKind
from octopus.virtualward.queries import for_meeting as ward_for_meeting

from . import config
from .models import Attendance, EntryStatus, MeetingAction, ResidentMessage, WorklistEntry

ACUTE = (ActivityKind.ADMISSION, ActivityKind.AE, ActivityKind.AMBULANCE)


def record_summary(resident) -> dict:
    """What the room needs per resident: recent acute activity, who is involved, the care plan.
    Call only for a resident the viewer may see (the caller audits the view)."""
    plan = CarePlan.objects.filter(resident=resident).select_related("lead_professional").first()
    return {
        "acute": list(ActivityEvent.objects.filter(resident=resident, kind__in=ACUTE)[:5]),
        "cases": list(Case.objects.filter(resident=resident, closed_at__isnull=True).select_related("team", "holder")),
        "referrals": list(
            Referral.objects.filter(resident=resident, status__in=OPEN_STATUSES).select_related(
                "to_team", "to_practitioner"
            )
        ),
        "plan": plan,
        # Shown at the top of the entry, to clinical scopes only (care/_advance_care_plan.jinja).
        "advance_care": getattr(plan, "advance_care", None) if plan else None,
        "plan_actions": list(
            plan.actions.filter(status__in=[ActionStatus.TO_DO, ActionStatus.IN_PROGRESS]).select_related("owner")
        )
        if plan
        else [],
        "tier": current_tier(resident),
        # Open prevention gaps from the latest snapshot: a prompt the room can act on.
        "prevention_gaps": list(resident.prevention_gaps or []),
        # On a virtual ward: latest NEWS2 and open alerts, to clinical scopes only (discuss.jinja).
        "virtual_ward": ward_for_meeting(resident),
    }


@dataclass(frozen=True)
class TeamMessages:
    count: int
    latest: ResidentMessage | None
    url: str


def team_messages(resident, user) -> TeamMessages | None:
    """The team's thread about a resident, for their record page. Call only once the viewer has
    passed ``governance.access`` for this resident (the thread page checks the same access point);
    None for people whose role does not take part in meetings, who could not open it."""
    if not user.has_capability("attend_meetings"):
        return None
    thread = ResidentMessage.objects.filter(resident=resident)
    latest = thread.select_related("author").order_by("-posted_at", "-id").first()
    # Most residents have no thread: counting it would be a second query for a known 0.
    count = thread.count() if latest else 0
    return TeamMessages(count, latest, reverse("meetings:thread", args=[resident.person_id]))


@dataclass(frozen=True)
class BeyondLimit:
    label: str
    more: int
    limit: int | None
    ranked_by: str


def beyond_limits(meeting) -> list[BeyondLimit]:
    """Per source, how many matching residents its limit kept off the worklist (counts only)."""
    sources = config.settings().sources
    return [
        BeyondLimit(sources[code].label, more, sources[code].limit, sources[code].ranked_by)
        for code, more in sorted(meeting.worklist_not_listed.items(), key=lambda kv: -kv[1])
        if code in sources
    ]


PUT_OFF = (EntryStatus.NOT_THIS_WEEK, EntryStatus.CARRIED_OVER)


def put_off_often(meeting, resident_ids) -> dict[int, int]:
    """Residents left "not this week" or carried over more than ``carry_over_warning_after`` times
    across the series' meetings, with the count: a list generated from data can keep deferring the
    same person, and the chair should decide rather than defer again."""
    threshold = config.settings().carry_over_warning_after
    counts = (
        WorklistEntry.objects.filter(
            meeting__series_id=meeting.series_id, resident_id__in=list(resident_ids), status__in=PUT_OFF
        )
        .values("resident_id")
        .annotate(times=Count("id"))
        .filter(times__gt=threshold)
    )
    return {row["resident_id"]: row["times"] for row in counts}


def _count_events(resident_ids_dates: list[tuple[int, dt.date]], kind: str, days: int) -> tuple[int, int]:
    """Events of ``kind`` in the ``days`` before and after each resident's discussion date."""
    before = after = 0
    if not resident_ids_dates:
        return 0, 0
    discussed = dict(resident_ids_dates)
    earliest = min(discussed.values()) - dt.timedelta(days=days)
    events = ActivityEvent.objects.filter(
        resident_id__in=list(discussed), kind=kind, occurred_on__gte=earliest
    ).values_list("resident_id", "occurred_on")
    for resident_id, on in events:
        when = discussed[resident_id]
        if when - dt.timedelta(days=days) <= on < when:
            before += 1
        elif when <= on < when + dt.timedelta(days=days):
            after += 1
    return before, after


@dataclass
class Review:
    since: dt.date
    meetings: int
    by_source: list[tuple[str, int | None]]
    residents_discussed: int | None
    referral_to_discussion_days: float | None
    referral_sample: int | None
    actions: dict[str, int | None]
    attendance: list[tuple[str, int | None]]
    missing_professions: list[str]
    before_after: dict
    follow_up_days: int


def six_monthly_review(series, *, today: dt.date | None = None, months: int = 6) -> Review:
    today = today or timezone.localdate()
    since = today - dt.timedelta(days=months * 30)
    labels = {code: s.label for code, s in config.settings().sources.items()} | {
        "added": "Added by an attendee",
        "carried_over": "Carried over",
    }
    entries = list(
        WorklistEntry.objects.filter(
            meeting__series=series, status=EntryStatus.DISCUSSED, discussed_at__date__gte=since
        )
        .order_by("discussed_at")
        .values("resident_id", "sources", "referred_at", "discussed_at")
    )
    first_discussion: dict[int, dt.date] = {}
    per_source: dict[str, set[int]] = {}
    waits = []
    for e in entries:
        first_discussion.setdefault(e["resident_id"], timezone.localdate(e["discussed_at"]))
        for s in e["sources"]:
            per_source.setdefault(s["source"], set()).add(e["resident_id"])
        if e["referred_at"]:
            waits.append((e["discussed_at"] - e["referred_at"]).total_seconds() / 86400)
    by_source = [
        (labels.get(code, code), publish_count(len(ids)))
        for code, ids in sorted(per_source.items(), key=lambda kv: -len(kv[1]))
    ]
    actions = MeetingAction.objects.filter(entry__meeting__series=series, created_at__date__gte=since).select_related(
        "care_plan_action"
    )
    on_time = late = open_overdue = still_open = 0
    for action in actions:
        done = (
            action.care_plan_action
            and action.care_plan_action.status == ActionStatus.DONE
            and action.care_plan_action.completed_at
        )
        if done:
            if timezone.localdate(action.care_plan_action.completed_at) <= action.due:
                on_time += 1
            else:
                late += 1
        elif action.due < today:
            open_overdue += 1
        else:
            still_open += 1
    roles: dict[str, int] = {}
    for role in Attendance.objects.filter(meeting__series=series, meeting__starts_at__date__gte=since).values_list(
        "role", flat=True
    ):
        roles[role] = roles.get(role, 0) + 1
    missing = [p for p in config.settings().expected_professions if not any(p.lower() in r.lower() for r in roles)]
    half_year = 182
    pairs = list(first_discussion.items())
    admissions = _count_events(pairs, ActivityKind.ADMISSION, half_year)
    ae = _count_events(pairs, ActivityKind.AE, half_year)
    table = protect_table([list(admissions), list(ae)], row_totals=False, column_totals=False)
    return Review(
        since=since,
        meetings=series.meetings.filter(starts_at__date__gte=since, status="closed").count(),
        by_source=by_source,
        residents_discussed=publish_count(len(first_discussion)),
        referral_to_discussion_days=round(statistics.median(waits), 1) if len(waits) > config_small() else None,
        referral_sample=publish_count(len(waits)),
        actions={
            "on_time": publish_count(on_time),
            "late": publish_count(late),
            "overdue": publish_count(open_overdue),
            "open": publish_count(still_open),
        },
        attendance=[(role, publish_count(n)) for role, n in sorted(roles.items())],
        missing_professions=missing,
        before_after={"admissions": table.cells[0], "ae": table.cells[1]},
        follow_up_days=half_year,
    )


def config_small() -> int:
    """A median over fewer people than the suppression threshold could describe one person."""
    from octopus.core.disclosure import OPENSAFELY

    return OPENSAFELY.suppress_up_to
