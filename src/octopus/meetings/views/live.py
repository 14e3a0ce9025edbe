"""During the meeting and after it: the live agenda, attendance, each resident's discussion and
actions, closing the meeting and its minutes."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from octopus.accounts.permissions import require
from octopus.core.forms import apply_service_errors
from octopus.governance import access, audit
from octopus.governance.models import AuditEvent

from .. import forms, presenters, services
from ..models import EntryStatus
from .common import MEETING_BASIS, entry_or_404, meeting_or_404


def _agenda(meeting):
    return list(
        meeting.entries.filter(status__in=[EntryStatus.AGENDA, EntryStatus.DISCUSSED])
        .select_related("resident", "presenter")
        .prefetch_related("actions__owner")
        .order_by("position", "id")
    )


@require_GET
@require("attend_meetings")
def live(request, meeting_id: int):
    meeting = meeting_or_404(request, meeting_id)
    agenda = _agenda(meeting)
    audit.record(
        request.user,
        "view",
        f"Viewed the agenda of {meeting} ({len(agenda)} residents)",
        obj=meeting,
        basis=MEETING_BASIS,
        path=request.path,
    )
    audit.record_appearances(
        request.user,
        f"Listed on the agenda of {meeting}"[:300],
        [e.resident.person_id for e in agenda],
        basis=MEETING_BASIS,
        path=request.path,
    )
    return render(
        request,
        "meetings/live.jinja",
        {
            "meeting": meeting,
            "agenda": agenda,
            "attendance": meeting.attendance.select_related("user"),
            "attendance_form": forms.AttendanceForm(user=request.user),
            "can_run": request.user.has_capability("run_meetings"),
        },
    )


@require_GET
@require("attend_meetings")
def live_agenda(request, meeting_id: int):
    """The agenda alone, polled by htmx every few seconds so screens in the room stay in step."""
    meeting = meeting_or_404(request, meeting_id)
    agenda = _agenda(meeting)
    # Polling would flood the audit log; the fragment is audited once per viewer per meeting.
    if not AuditEvent.objects.filter(user=request.user, path=request.path).exists():
        audit.record(
            request.user,
            "view",
            f"Followed the live agenda of {meeting}",
            obj=meeting,
            basis=MEETING_BASIS,
            path=request.path,
        )
    return render(request, "meetings/_agenda.jinja", {"meeting": meeting, "agenda": agenda})


@require_POST
@require("attend_meetings")
def attendance(request, meeting_id: int):
    meeting = meeting_or_404(request, meeting_id)
    form = forms.AttendanceForm(request.POST, user=request.user)
    if form.is_valid():
        services.record_attendance(meeting, form.cleaned_data["user"], request.user, path=request.path)
        messages.info(request, f"{form.cleaned_data['user'].display_name} attended.")
    return redirect("meetings:live", meeting.pk)


@require_http_methods(["GET", "POST"])
@require("attend_meetings")
def discuss(request, entry_id: int):
    entry = entry_or_404(request, entry_id)
    opened = access.record_for(request.user, entry.resident.person_id)
    resident, basis = opened
    initial = {
        "summary": entry.summary,
        "decisions": entry.decisions,
        "lead_professional": entry.lead_professional_id,
        "next_review": entry.next_review,
        "tier": entry.tier_change,
    }
    form = forms.DiscussionForm(request.POST or None, user=request.user, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.record_discussion(entry, request.user, **form.cleaned_data, path=request.path)
            messages.info(request, f"Discussion of {resident.name} recorded.")
            return redirect("meetings:live", entry.meeting_id)
        except ValidationError as error:
            apply_service_errors(form, error)
    audit.record(
        request.user,
        "view",
        f"Opened the record summary at {entry.meeting}"[:300],
        resident_id=resident.person_id,
        basis=basis,
        path=request.path,
    )
    return render(
        request,
        "meetings/discuss.jinja",
        {
            "entry": entry,
            "resident": resident,
            "form": form,
            "action_form": forms.ActionForm(user=request.user),
            "summary": presenters.record_summary(resident),
            "actions": entry.actions.select_related("owner"),
            # What each acute event was about is clinical detail: only for the full scope.
            "clinical": opened.clinical,
        },
    )


@require_POST
@require("attend_meetings")
def action(request, entry_id: int):
    entry = entry_or_404(request, entry_id)
    access.get_resident(request.user, entry.resident.person_id)
    form = forms.ActionForm(request.POST, user=request.user)
    if form.is_valid():
        try:
            services.add_action(entry, request.user, **form.cleaned_data, path=request.path)
            messages.info(request, f"Action for {form.cleaned_data['owner'].display_name} recorded.")
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
    else:
        messages.error(request, "An action needs a description, an owner and a due date.")
    return redirect("meetings:discuss", entry.pk)


@require_POST
@require("run_meetings")
def close(request, meeting_id: int):
    meeting = meeting_or_404(request, meeting_id)
    try:
        result = services.close_meeting(meeting, request.user, path=request.path)
        messages.info(
            request,
            f"Meeting closed: {result.actions_handed_over} actions are in their owners' inboxes; "
            f"{result.carried_over} residents carried over.",
        )
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    return redirect("meetings:minutes", meeting.pk)


@require_GET
@require("attend_meetings")
def minutes(request, meeting_id: int):
    meeting = meeting_or_404(request, meeting_id)
    agenda = _agenda(meeting)
    audit.record(
        request.user, "view", f"Viewed the minutes of {meeting}", obj=meeting, basis=MEETING_BASIS, path=request.path
    )
    return render(
        request,
        "meetings/minutes.jinja",
        {
            "meeting": meeting,
            "agenda": agenda,
            "attendance": meeting.attendance.select_related("user"),
            "printed_at": timezone.now(),
        },
    )
