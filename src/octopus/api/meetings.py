"""Meetings over the JSON API: a meeting's worklist and the outcome of each discussion, with the
meeting pages' rules — series membership under the confidentiality agreement for the worklist, a
relationship with the resident for the discussion — and the meetings services for every change."""

import datetime as dt
from typing import Literal

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from ninja import Field, Router, Schema

from octopus.accounts.models import User
from octopus.governance import access, audit
from octopus.meetings import membership, services
from octopus.meetings.models import Meeting, WorklistEntry

from .care_schemas import ResidentRef
from .schemas import Problem
from .security import CapabilitySession

meetings = Router(auth=CapabilitySession("attend_meetings"), tags=["meetings"])
# Who may see a worklist, as the meeting page records it (octopus.meetings.views.common.MEETING_BASIS).
MEETING_BASIS = "Meeting worklist (attendee under the series' confidentiality agreement)"


class WorklistEntryOut(Schema):
    id: int
    resident: ResidentRef
    status: str
    reasons: list[str]
    position: int | None
    minutes: int | None


class MeetingActionOut(Schema):
    description: str
    owner: str
    due: dt.date


class OutcomeOut(Schema):
    entry_id: int
    resident: ResidentRef
    meeting: str
    status: str
    summary: str
    decisions: str
    lead_professional: str | None
    next_review: dt.date | None
    tier_change: str
    discussed_at: dt.datetime | None
    actions: list[MeetingActionOut]


class OutcomeIn(Schema):
    summary: str = Field(max_length=10_000)
    decisions: str = Field("", max_length=10_000)
    lead_professional_id: int | None = None
    next_review: dt.date | None = None
    tier: Literal["", "universal", "proactive", "complex"] = ""
    tier_reason: str = Field("", max_length=300)


def _member_or_403(user, series) -> None:
    if not membership.is_member(user, series):
        raise PermissionDenied(f"Only core members and attendees of {series.name} can see its worklists.")
    if not membership.has_agreed(user, series):
        raise PermissionDenied(f"Confirm the confidentiality agreement for {series.name} (on the series page) first.")


def _ref(resident) -> dict:
    return {"person_id": resident.person_id, "name": resident.name}


@meetings.get("/{meeting_id}/worklist", response=list[WorklistEntryOut])
def worklist(request: HttpRequest, meeting_id: int):
    meeting = get_object_or_404(Meeting.objects.select_related("series"), pk=meeting_id)
    _member_or_403(request.auth, meeting.series)
    entries = list(
        meeting.entries.select_related("resident").order_by("status", "position", "resident__family_name", "pk")
    )
    audit.record(
        request.auth,
        "view",
        f"Viewed the worklist of {meeting} via API ({len(entries)} residents)"[:300],
        obj=meeting,
        basis=MEETING_BASIS,
        path=request.path,
    )
    audit.record_appearances(
        request.auth,
        f"Listed on the worklist of {meeting} via API"[:300],
        [e.resident.person_id for e in entries],
        basis=MEETING_BASIS,
        path=request.path,
    )
    return [
        {
            "id": e.pk,
            "resident": _ref(e.resident),
            "status": e.status,
            "reasons": e.reasons,
            "position": e.position,
            "minutes": e.minutes,
        }
        for e in entries
    ]


def _entry(request, entry_id: int) -> tuple[WorklistEntry, str]:
    """An entry of one of the user's own series, about a resident the user may open."""
    entries = access.scoped(
        request.auth, WorklistEntry.objects.filter(meeting__series__in=membership.series_ids_for(request.auth))
    )
    entry = get_object_or_404(entries.select_related("meeting__series", "resident", "lead_professional"), pk=entry_id)
    _member_or_403(request.auth, entry.meeting.series)
    _, basis = access.get_resident(request.auth, entry.resident.person_id)
    return entry, basis


def _outcome(entry: WorklistEntry) -> dict:
    return {
        "entry_id": entry.pk,
        "resident": _ref(entry.resident),
        "meeting": str(entry.meeting),
        "status": entry.status,
        "summary": entry.summary,
        "decisions": entry.decisions,
        "lead_professional": entry.lead_professional.display_name if entry.lead_professional else None,
        "next_review": entry.next_review,
        "tier_change": entry.tier_change,
        "discussed_at": entry.discussed_at,
        "actions": [
            {"description": a.description, "owner": a.owner.display_name, "due": a.due}
            for a in entry.actions.select_related("owner")
        ],
    }


@meetings.get("/entries/{entry_id}/outcome", response=OutcomeOut)
def outcome(request: HttpRequest, entry_id: int):
    entry, basis = _entry(request, entry_id)
    audit.record(
        request.auth,
        "view",
        f"Viewed the discussion at {entry.meeting} via API"[:300],
        resident_id=entry.resident.person_id,
        basis=basis,
        path=request.path,
    )
    return _outcome(entry)


@meetings.post("/entries/{entry_id}/outcome", response={200: OutcomeOut, 422: Problem})
def record_outcome(request: HttpRequest, entry_id: int, body: OutcomeIn):
    """Record the discussion: summary, decisions, and any lead professional, review date or tier change."""
    entry, _ = _entry(request, entry_id)
    lead = get_object_or_404(User, pk=body.lead_professional_id, is_active=True) if body.lead_professional_id else None
    services.record_discussion(
        entry,
        request.auth,
        summary=body.summary,
        decisions=body.decisions,
        lead_professional=lead,
        next_review=body.next_review,
        tier=body.tier,
        tier_reason=body.tier_reason,
        path=request.path,
    )
    entry.refresh_from_db()
    return _outcome(entry)
