"""During and after the meeting: the discussion of each resident, actions with named owners,
tier changes through care.services, and closing the meeting (actions reach owners' inboxes and
the resident's care plan; deaths of residents under the INC get a follow-up with relatives)."""

import datetime as dt
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from octopus.care import services as care
from octopus.care.models import CareTier, Task, TaskSource
from octopus.governance import audit

from ..models import EntryStatus, Meeting, MeetingAction, MeetingStatus, WorklistEntry

RELATIVES_TITLE = "Follow up with the relatives of {name} (died while under the {series})"


def _live(entry: WorklistEntry):
    if entry.meeting.is_closed:
        raise ValidationError("This meeting is closed; its record can no longer change.")
    if entry.status not in (EntryStatus.AGENDA, EntryStatus.DISCUSSED):
        raise ValidationError("Put the resident on the agenda before recording a discussion.")


@transaction.atomic
def record_discussion(
    entry: WorklistEntry,
    actor,
    *,
    summary: str,
    decisions: str,
    lead_professional=None,
    next_review: dt.date | None = None,
    tier: str = "",
    tier_reason: str = "",
    path: str = "",
) -> WorklistEntry:
    _live(entry)
    resident = entry.resident
    if tier:
        if tier not in CareTier.values:
            raise ValidationError({"tier": "Choose a tier."})
        care.set_tier(resident, tier, tier_reason or f"Decided at {entry.meeting}", actor, path=path)
    if lead_professional is not None or next_review is not None:
        plan = care.start_plan(resident, actor, path=path)
        care.save_plan(
            plan,
            actor,
            expected_version=plan.version,
            what_matters=plan.what_matters,
            goals=plan.goals,
            needs=plan.needs,
            lead_professional=lead_professional or plan.lead_professional,
            review_date=next_review or plan.review_date,
            path=path,
        )
    entry.summary = (summary or "").strip()
    entry.decisions = (decisions or "").strip()
    entry.lead_professional = lead_professional
    entry.next_review = next_review
    entry.tier_change = tier
    entry.status = EntryStatus.DISCUSSED
    entry.discussed_at = entry.discussed_at or timezone.now()
    entry.save(
        update_fields=[
            "summary",
            "decisions",
            "lead_professional",
            "next_review",
            "tier_change",
            "status",
            "discussed_at",
        ]
    )
    audit.record(
        actor,
        "change",
        f"Discussion recorded at {entry.meeting}"[:300],
        resident_id=resident.person_id,
        obj=entry,
        path=path,
    )
    return entry


@transaction.atomic
def add_action(entry: WorklistEntry, actor, *, description: str, owner, due: dt.date, path: str = "") -> MeetingAction:
    _live(entry)
    errors = {}
    if not (description or "").strip():
        errors["description"] = "Describe the action."
    if owner is None:
        errors["owner"] = "Name the person who owns the action."
    if due is None:
        errors["due"] = "Give a due date."
    if errors:
        raise ValidationError(errors)
    action = MeetingAction.objects.create(
        entry=entry,
        description=description.strip()[:300],
        owner=owner,
        due=due,
        created_by=actor,
        created_at=timezone.now(),
    )
    audit.record(
        actor,
        "create",
        f"Meeting action for {owner.username}: {action.description}"[:300],
        resident_id=entry.resident.person_id,
        obj=action,
        path=path,
    )
    return action


def _hand_over(action: MeetingAction, actor, path: str) -> None:
    resident = action.entry.resident
    if resident.is_deceased:
        return
    link = reverse("care:plan", args=[resident.person_id])
    action.task = care.create_task(
        action.owner,
        f"{action.description} ({resident.name}, {action.entry.meeting.series.name})",
        action.due,
        resident=resident,
        link=link,
        source=TaskSource.MEETING,
    )
    plan = care.start_plan(resident, actor, path=path)
    action.care_plan_action = care.add_action(
        plan, actor, description=action.description, owner=action.owner, due=action.due, path=path
    )
    action.save(update_fields=["task", "care_plan_action"])


def follow_up_deaths(meeting: Meeting, actor, path: str = "") -> int:
    """INCs always follow up with relatives when a resident dies: one task per resident who was
    discussed by the series and has since died, for their lead professional (or the chair)."""
    series = meeting.series
    discussed = (
        WorklistEntry.objects.filter(
            meeting__series=series, status=EntryStatus.DISCUSSED, resident__date_of_death__isnull=False
        )
        .select_related("resident", "lead_professional")
        .order_by("-discussed_at")
    )
    fallback = series.members.select_related("user").first()
    created, seen = 0, set()
    for entry in discussed:
        resident = entry.resident
        if resident.pk in seen:
            continue
        seen.add(resident.pk)
        title = RELATIVES_TITLE.format(name=resident.name, series=series.name)
        if Task.objects.filter(resident=resident, title=title[:300]).exists():
            continue
        owner = entry.lead_professional or (fallback.user if fallback else actor)
        care.create_task(
            owner,
            title,
            timezone.localdate() + dt.timedelta(days=2),
            resident=resident,
            link=reverse("residents:record", args=[resident.person_id]),
            source=TaskSource.BEREAVEMENT,
        )
        created += 1
    return created


@dataclass(frozen=True)
class ClosedMeeting:
    actions_handed_over: int
    carried_over: int
    relatives_follow_ups: int


@transaction.atomic
def close_meeting(meeting: Meeting, actor, path: str = "") -> ClosedMeeting:
    if meeting.is_closed:
        raise ValidationError("This meeting is already closed.")
    actions = MeetingAction.objects.filter(entry__meeting=meeting, task__isnull=True).select_related(
        "entry__resident", "entry__meeting__series", "owner"
    )
    handed = 0
    for action in actions:
        _hand_over(action, actor, path)
        handed += 1
    # Residents on the agenda but not reached are carried over rather than lost.
    carried = meeting.entries.filter(status=EntryStatus.AGENDA).update(
        status=EntryStatus.CARRIED_OVER, triage_note="Not reached in the meeting"
    )
    follow_ups = follow_up_deaths(meeting, actor, path)
    meeting.status = MeetingStatus.CLOSED
    meeting.closed_at = timezone.now()
    meeting.closed_by = actor
    meeting.save(update_fields=["status", "closed_at", "closed_by"])
    audit.record(
        actor,
        "change",
        f"Meeting closed: {meeting}; {handed} actions to owners' inboxes, {carried} carried over"[:300],
        obj=meeting,
        path=path,
    )
    return ClosedMeeting(handed, carried, follow_ups)
