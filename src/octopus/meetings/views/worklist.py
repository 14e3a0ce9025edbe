"""Before the meeting: the worklist, generating it, adding a resident, triage, the consent-to-discuss
decision and publishing the agenda."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from octopus.accounts.permissions import require
from octopus.core.forms import apply_service_errors
from octopus.governance import access, audit

from .. import config, forms, presenters, services
from ..models import EntryStatus
from .common import MEETING_BASIS, entry_or_404, meeting_or_404, to_meeting


@require_GET
@require("attend_meetings")
def meeting(request, meeting_id: int):
    meeting = meeting_or_404(request, meeting_id)
    entries = list(
        meeting.entries.select_related("resident", "presenter").order_by("status", "position", "resident__family_name")
    )
    groups = {status: [e for e in entries if e.status == status] for status in EntryStatus.values}
    bases = {e.pk: services.discussion_basis(e.resident) for e in groups[EntryStatus.LISTED]}
    put_off = presenters.put_off_often(meeting, [e.resident_id for e in entries])
    audit.record(
        request.user,
        "view",
        f"Viewed the worklist of {meeting} ({len(entries)} residents)",
        obj=meeting,
        basis=MEETING_BASIS,
        path=request.path,
    )
    # Each resident named on the worklist gets an entry of their own, for their subject access report.
    audit.record_appearances(
        request.user,
        f"Listed on the worklist of {meeting}"[:300],
        [e.resident.person_id for e in entries],
        basis=MEETING_BASIS,
        path=request.path,
    )
    return render(
        request,
        "meetings/meeting.jinja",
        {
            "meeting": meeting,
            "groups": groups,
            "bases": bases,
            "can_run": request.user.has_capability("run_meetings"),
            "add_form": forms.AddResidentForm(),
            "statuses": EntryStatus,
            "beyond_limits": presenters.beyond_limits(meeting),
            "put_off": put_off,
            "put_off_after": config.settings().carry_over_warning_after,
            "deferred": sorted((e for e in entries if e.resident_id in put_off), key=lambda e: -put_off[e.resident_id]),
        },
    )


@require_POST
@require("run_meetings")
def generate(request, meeting_id: int):
    meeting = meeting_or_404(request, meeting_id)
    try:
        report = services.generate_worklist(meeting, request.user, path=request.path)
        messages.info(request, f"Worklist generated: {report.listed} residents ({report.new} new).")
    except ValueError as error:
        messages.error(request, str(error))
    return to_meeting(meeting)


@require_POST
@require("attend_meetings")
def add_resident(request, meeting_id: int):
    meeting = meeting_or_404(request, meeting_id)
    form = forms.AddResidentForm(request.POST)
    if form.is_valid():
        resident, _basis = access.get_resident(request.user, form.cleaned_data["person_id"].strip())
        try:
            services.add_resident(meeting, resident, request.user, form.cleaned_data["reason"], path=request.path)
            messages.info(request, f"{resident.name} added to the worklist.")
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
    else:
        messages.error(request, "Give the resident's person ID and why they should be discussed.")
    return to_meeting(meeting, "#worklist")


@require_POST
@require("run_meetings")
def triage(request, entry_id: int):
    entry = entry_or_404(request, entry_id)
    decision = request.POST.get("decision")
    try:
        if decision == "agenda":
            services.put_on_agenda(entry, request.user, path=request.path)
            messages.info(request, f"{entry.resident.name} is on the agenda.")
        elif decision in ("not_this_week", "carry_over"):
            services.not_this_week(
                entry,
                request.user,
                request.POST.get("reason", ""),
                carry_over=decision == "carry_over",
                path=request.path,
            )
            messages.info(
                request, f"{entry.resident.name}: {'carried over' if decision == 'carry_over' else 'not this week'}."
            )
        else:
            messages.error(request, "Choose what to do with the resident.")
    except services.NoBasisToDiscuss as error:
        messages.error(request, " ".join(error.messages))
        return redirect("meetings:consent", entry.pk)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    return to_meeting(entry.meeting, "#worklist")


@require_http_methods(["GET", "POST"])
@require("run_meetings")
def consent(request, entry_id: int):
    """Journey 3: the resident cannot be added without a basis; the matron records a decision."""
    entry = entry_or_404(request, entry_id)
    form = forms.ExceptionForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.record_exception(entry, request.user, **form.cleaned_data, path=request.path)
            services.put_on_agenda(entry, request.user, path=request.path)
            messages.info(request, f"Decision recorded; {entry.resident.name} is on the agenda.")
            return to_meeting(entry.meeting, "#agenda")
        except ValidationError as error:
            apply_service_errors(form, error)
    audit.record(
        request.user,
        "view",
        "Opened the consent-to-discuss decision form",
        resident_id=entry.resident.person_id,
        basis=MEETING_BASIS,
        path=request.path,
    )
    return render(
        request,
        "meetings/consent.jinja",
        {"entry": entry, "form": form, "basis": services.discussion_basis(entry.resident)},
    )


@require_POST
@require("run_meetings")
def publish(request, meeting_id: int):
    meeting = meeting_or_404(request, meeting_id)
    services.publish_agenda(meeting, request.user, path=request.path)
    messages.info(request, "Agenda published: attendees can now open the records of residents on it.")
    return redirect("meetings:live", meeting.pk)
