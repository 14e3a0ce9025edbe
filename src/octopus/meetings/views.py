"""Meeting pages. Series and care-home pages are open to anyone who attends meetings; worklists,
agendas and minutes only to the series' members who have confirmed its confidentiality agreement;
a resident's record summary and thread only through ``governance.access``. Every page showing
identifiable data is audited once; changes are audited by the services that make them."""

import datetime as dt

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from octopus.accounts.permissions import require
from octopus.core.forms import apply_service_errors
from octopus.governance import access, audit
from octopus.governance.models import AuditEvent

from . import care_home_presenters, config, forms, membership, presenters, services
from .models import CareHome, EntryStatus, Meeting, MeetingSeries, ResidentMessage, WorklistEntry

MEETING_BASIS = "Meeting worklist (attendee under the series' confidentiality agreement)"


def _member_or_403(user, series: MeetingSeries, *, agreed: bool = True):
    if not membership.is_member(user, series):
        raise PermissionDenied(f"Only core members and attendees of {series.name} can see its worklists and agendas.")
    if agreed and not membership.has_agreed(user, series):
        raise PermissionDenied(f"Confirm the confidentiality agreement for {series.name} (on the series page) first.")


def _meeting(request, meeting_id: int) -> Meeting:
    meeting = get_object_or_404(Meeting.objects.select_related("series__team", "series__care_home"), pk=meeting_id)
    _member_or_403(request.user, meeting.series)
    return meeting


def _entry(request, entry_id: int) -> WorklistEntry:
    # Only entries of the user's own series are looked up, so a guessed id finds nothing.
    entries = WorklistEntry.objects.filter(meeting__series__in=membership.series_ids_for(request.user))
    entry = get_object_or_404(entries.select_related("meeting__series", "resident", "presenter"), pk=entry_id)
    _member_or_403(request.user, entry.meeting.series)
    return entry


def _to_meeting(meeting, anchor=""):
    return redirect(f"{meeting_url(meeting)}{anchor}")


def meeting_url(meeting):
    from django.urls import reverse

    return reverse("meetings:meeting", args=[meeting.pk])


# Series -----------------------------------------------------------------------------------------

@require_GET
@require("attend_meetings")
def index(request):
    mine = membership.series_ids_for(request.user)
    series = MeetingSeries.objects.select_related("team", "neighbourhood", "pcn", "care_home").prefetch_related("members__user")
    audit.record(request.user, "view", "Viewed meeting series", path=request.path)
    return render(request, "meetings/index.jinja", {"mine": [s for s in series if s.pk in mine],
                                                     "others": [s for s in series if s.pk not in mine],
                                                     "can_run": request.user.has_capability("run_meetings")})


@require_GET
@require("attend_meetings")
def series(request, series_id: int):
    series = get_object_or_404(MeetingSeries.objects.select_related("team", "neighbourhood", "pcn", "care_home"), pk=series_id)
    is_member = membership.is_member(request.user, series)
    audit.record(request.user, "view", f"Viewed meeting series {series.name}", obj=series, path=request.path)
    return render(request, "meetings/series.jinja", {
        "series": series, "is_member": is_member, "agreed": membership.has_agreed(request.user, series),
        "members": series.members.select_related("user__practitioner"), "meetings": series.meetings.all()[:20],
        "can_run": request.user.has_capability("run_meetings"), "form": forms.ScheduleMeetingForm(),
        "plan_form": forms.PlanMeetingsForm(),
    })


# The service names the population by model and the free-text schedule; the form has one field for each.
SERIES_FORM_FIELDS = {"neighbourhood": "population", "pcn": "population", "care_home": "population", "schedule": "weekdays"}


def _plan(request, series, weeks: int):
    if weeks and series.has_timetable:
        planned = services.plan_meetings(series, request.user, weeks=weeks, path=request.path)
        messages.info(request, f"{len(planned)} meetings added from the timetable." if planned else
                      "No meetings to add: every meeting day in that period is already planned.")


@require_http_methods(["GET", "POST"])
@require("run_meetings")
def series_create(request):
    form = forms.SeriesForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            series = services.create_series(request.user, **form.service_arguments(), path=request.path)
            messages.info(request, f"{series.name} set up.")
            _plan(request, series, form.cleaned_data["plan_weeks"])
            return redirect("meetings:series", series.pk)
        except ValidationError as error:
            apply_service_errors(form, error, SERIES_FORM_FIELDS)
    audit.record(request.user, "view", "Opened the form to set up a meeting series", path=request.path)
    return render(request, "meetings/series_form.jinja", {"form": form, "title": "Set up a meeting series",
                                                          "submit_label": "Set up the series", "back": ("meetings:index", None)})


@require_http_methods(["GET", "POST"])
@require("run_meetings")
def series_edit(request, series_id: int):
    series = get_object_or_404(MeetingSeries, pk=series_id)
    # Only its own members change a series: core membership decides who sees its worklists.
    _member_or_403(request.user, series, agreed=False)
    rows = series.members.count() + 3
    if request.method == "POST":
        form = forms.SeriesForm(request.POST, user=request.user, member_rows=rows)
        if form.is_valid():
            try:
                services.update_series(series, request.user, **form.service_arguments(), path=request.path)
                messages.info(request, f"{series.name} saved.")
                _plan(request, series, form.cleaned_data["plan_weeks"])
                return redirect("meetings:series", series.pk)
            except ValidationError as error:
                apply_service_errors(form, error, SERIES_FORM_FIELDS)
    else:
        form = forms.SeriesForm(initial=forms.SeriesForm.initial_for(series), user=request.user, member_rows=max(rows, 6))
    audit.record(request.user, "view", f"Opened {series.name} for changing", obj=series, path=request.path)
    return render(request, "meetings/series_form.jinja", {"form": form, "title": f"Change {series.name}", "series": series,
                                                          "submit_label": "Save the series", "back": ("meetings:series", series.pk)})


@require_POST
@require("run_meetings")
def series_plan(request, series_id: int):
    series = get_object_or_404(MeetingSeries, pk=series_id)
    _member_or_403(request.user, series, agreed=False)
    form = forms.PlanMeetingsForm(request.POST)
    if not series.has_timetable:
        messages.error(request, "Set the days and start time of the series (Change the series) before adding meetings from it.")
    elif form.is_valid():
        _plan(request, series, form.cleaned_data["weeks"])
    return redirect("meetings:series", series.pk)


@require_POST
@require("attend_meetings")
def confidentiality(request, series_id: int):
    series = get_object_or_404(MeetingSeries, pk=series_id)
    _member_or_403(request.user, series, agreed=False)
    services.confirm_confidentiality(series, request.user, path=request.path)
    messages.info(request, f"You confirmed the confidentiality agreement for {series.name}.")
    return redirect("meetings:series", series.pk)


@require_http_methods(["GET", "POST"])
@require("run_meetings")
def schedule(request, series_id: int):
    series = get_object_or_404(MeetingSeries, pk=series_id)
    _member_or_403(request.user, series, agreed=False)
    form = forms.ScheduleMeetingForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        starts = timezone.make_aware(dt.datetime.combine(form.cleaned_data["date"], form.cleaned_data["time"]))
        meeting = services.schedule_meeting(series, request.user, starts, form.cleaned_data["location"], path=request.path)
        return _to_meeting(meeting)
    audit.record(request.user, "view", f"Opened the scheduling form for {series.name}", obj=series, path=request.path)
    return render(request, "meetings/form_page.jinja", {"form": form, "title": f"Schedule a meeting of {series.name}",
                                                        "submit_label": "Schedule", "back": ("meetings:series", series.pk)})


@require_GET
@require("attend_meetings")
def review(request, series_id: int):
    series = get_object_or_404(MeetingSeries, pk=series_id)
    result = presenters.six_monthly_review(series)
    audit.record(request.user, "view", f"Viewed the six-monthly review of {series.name}", obj=series, path=request.path)
    return render(request, "meetings/review.jinja", {"series": series, "review": result})


# The worklist and triage ------------------------------------------------------------------------

@require_GET
@require("attend_meetings")
def meeting(request, meeting_id: int):
    meeting = _meeting(request, meeting_id)
    entries = list(meeting.entries.select_related("resident", "presenter").order_by("status", "position", "resident__family_name"))
    groups = {status: [e for e in entries if e.status == status] for status in EntryStatus.values}
    bases = {e.pk: services.discussion_basis(e.resident) for e in groups[EntryStatus.LISTED]}
    put_off = presenters.put_off_often(meeting, [e.resident_id for e in entries])
    audit.record(request.user, "view", f"Viewed the worklist of {meeting} ({len(entries)} residents)", obj=meeting,
                 basis=MEETING_BASIS, path=request.path)
    # Each resident named on the worklist gets an entry of their own, for their subject access report.
    audit.record_appearances(request.user, f"Listed on the worklist of {meeting}"[:300], [e.resident.person_id for e in entries],
                             basis=MEETING_BASIS, path=request.path)
    return render(request, "meetings/meeting.jinja", {
        "meeting": meeting, "groups": groups, "bases": bases, "can_run": request.user.has_capability("run_meetings"),
        "add_form": forms.AddResidentForm(), "statuses": EntryStatus, "beyond_limits": presenters.beyond_limits(meeting),
        "put_off": put_off, "put_off_after": config.settings().carry_over_warning_after,
        "deferred": sorted((e for e in entries if e.resident_id in put_off), key=lambda e: -put_off[e.resident_id]),
    })


@require_POST
@require("run_meetings")
def generate(request, meeting_id: int):
    meeting = _meeting(request, meeting_id)
    try:
        report = services.generate_worklist(meeting, request.user, path=request.path)
        messages.info(request, f"Worklist generated: {report.listed} residents ({report.new} new).")
    except ValueError as error:
        messages.error(request, str(error))
    return _to_meeting(meeting)


@require_POST
@require("attend_meetings")
def add_resident(request, meeting_id: int):
    meeting = _meeting(request, meeting_id)
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
    return _to_meeting(meeting, "#worklist")


@require_POST
@require("run_meetings")
def triage(request, entry_id: int):
    entry = _entry(request, entry_id)
    decision = request.POST.get("decision")
    try:
        if decision == "agenda":
            services.put_on_agenda(entry, request.user, path=request.path)
            messages.info(request, f"{entry.resident.name} is on the agenda.")
        elif decision in ("not_this_week", "carry_over"):
            services.not_this_week(entry, request.user, request.POST.get("reason", ""), carry_over=decision == "carry_over", path=request.path)
            messages.info(request, f"{entry.resident.name}: {'carried over' if decision == 'carry_over' else 'not this week'}.")
        else:
            messages.error(request, "Choose what to do with the resident.")
    except services.NoBasisToDiscuss as error:
        messages.error(request, " ".join(error.messages))
        return redirect("meetings:consent", entry.pk)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    return _to_meeting(entry.meeting, "#worklist")


@require_http_methods(["GET", "POST"])
@require("run_meetings")
def consent(request, entry_id: int):
    """Journey 3: the resident cannot be added without a basis; the matron records a decision."""
    entry = _entry(request, entry_id)
    form = forms.ExceptionForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.record_exception(entry, request.user, **form.cleaned_data, path=request.path)
            services.put_on_agenda(entry, request.user, path=request.path)
            messages.info(request, f"Decision recorded; {entry.resident.name} is on the agenda.")
            return _to_meeting(entry.meeting, "#agenda")
        except ValidationError as error:
            apply_service_errors(form, error)
    audit.record(request.user, "view", "Opened the consent-to-discuss decision form", resident_id=entry.resident.person_id,
                 basis=MEETING_BASIS, path=request.path)
    return render(request, "meetings/consent.jinja", {"entry": entry, "form": form, "basis": services.discussion_basis(entry.resident)})


@require_POST
@require("run_meetings")
def publish(request, meeting_id: int):
    meeting = _meeting(request, meeting_id)
    services.publish_agenda(meeting, request.user, path=request.path)
    messages.info(request, "Agenda published: attendees can now open the records of residents on it.")
    return redirect("meetings:live", meeting.pk)


# During the meeting -----------------------------------------------------------------------------

def _agenda(meeting):
    return list(meeting.entries.filter(status__in=[EntryStatus.AGENDA, EntryStatus.DISCUSSED])
                .select_related("resident", "presenter").prefetch_related("actions__owner").order_by("position", "id"))


@require_GET
@require("attend_meetings")
def live(request, meeting_id: int):
    meeting = _meeting(request, meeting_id)
    agenda = _agenda(meeting)
    audit.record(request.user, "view", f"Viewed the agenda of {meeting} ({len(agenda)} residents)", obj=meeting,
                 basis=MEETING_BASIS, path=request.path)
    audit.record_appearances(request.user, f"Listed on the agenda of {meeting}"[:300], [e.resident.person_id for e in agenda],
                             basis=MEETING_BASIS, path=request.path)
    return render(request, "meetings/live.jinja", {
        "meeting": meeting, "agenda": agenda, "attendance": meeting.attendance.select_related("user"),
        "attendance_form": forms.AttendanceForm(user=request.user), "can_run": request.user.has_capability("run_meetings"),
    })


@require_GET
@require("attend_meetings")
def live_agenda(request, meeting_id: int):
    """The agenda alone, polled by htmx every few seconds so screens in the room stay in step."""
    meeting = _meeting(request, meeting_id)
    agenda = _agenda(meeting)
    # Polling would flood the audit log; the fragment is audited once per viewer per meeting.
    if not AuditEvent.objects.filter(user=request.user, path=request.path).exists():
        audit.record(request.user, "view", f"Followed the live agenda of {meeting}", obj=meeting, basis=MEETING_BASIS, path=request.path)
    return render(request, "meetings/_agenda.jinja", {"meeting": meeting, "agenda": agenda})


@require_POST
@require("attend_meetings")
def attendance(request, meeting_id: int):
    meeting = _meeting(request, meeting_id)
    form = forms.AttendanceForm(request.POST, user=request.user)
    if form.is_valid():
        services.record_attendance(meeting, form.cleaned_data["user"], request.user, path=request.path)
        messages.info(request, f"{form.cleaned_data['user'].display_name} attended.")
    return redirect("meetings:live", meeting.pk)


@require_http_methods(["GET", "POST"])
@require("attend_meetings")
def discuss(request, entry_id: int):
    entry = _entry(request, entry_id)
    opened = access.record_for(request.user, entry.resident.person_id)
    resident, basis = opened
    initial = {"summary": entry.summary, "decisions": entry.decisions, "lead_professional": entry.lead_professional_id,
               "next_review": entry.next_review, "tier": entry.tier_change}
    form = forms.DiscussionForm(request.POST or None, user=request.user, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.record_discussion(entry, request.user, **form.cleaned_data, path=request.path)
            messages.info(request, f"Discussion of {resident.name} recorded.")
            return redirect("meetings:live", entry.meeting_id)
        except ValidationError as error:
            apply_service_errors(form, error)
    audit.record(request.user, "view", f"Opened the record summary at {entry.meeting}"[:300], resident_id=resident.person_id,
                 basis=basis, path=request.path)
    return render(request, "meetings/discuss.jinja", {
        "entry": entry, "resident": resident, "form": form, "action_form": forms.ActionForm(user=request.user),
        "summary": presenters.record_summary(resident), "actions": entry.actions.select_related("owner"),
        # What each acute event was about is clinical detail: only for the full scope.
        "clinical": opened.clinical,
    })


@require_POST
@require("attend_meetings")
def action(request, entry_id: int):
    entry = _entry(request, entry_id)
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
    meeting = _meeting(request, meeting_id)
    try:
        result = services.close_meeting(meeting, request.user, path=request.path)
        messages.info(request, f"Meeting closed: {result.actions_handed_over} actions are in their owners' inboxes; "
                               f"{result.carried_over} residents carried over.")
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    return redirect("meetings:minutes", meeting.pk)


@require_GET
@require("attend_meetings")
def minutes(request, meeting_id: int):
    meeting = _meeting(request, meeting_id)
    agenda = _agenda(meeting)
    audit.record(request.user, "view", f"Viewed the minutes of {meeting}", obj=meeting, basis=MEETING_BASIS, path=request.path)
    return render(request, "meetings/minutes.jinja", {
        "meeting": meeting, "agenda": agenda, "attendance": meeting.attendance.select_related("user"),
        "printed_at": timezone.now(),
    })


# Care homes and threads --------------------------------------------------------------------------

@require_http_methods(["GET", "POST"])
@require("attend_meetings")
def care_homes(request):
    form = forms.CareHomeForm(request.POST or None)
    if request.method == "POST":
        if not request.user.has_capability("run_meetings"):
            raise PermissionDenied("Registering a care home needs the 'run_meetings' capability.")
        if form.is_valid():
            home = services.register_care_home(request.user, **form.cleaned_data, path=request.path)
            messages.info(request, f"{home.name} registered.")
            return redirect("meetings:care_home", home.pk)
    homes = CareHome.objects.select_related("lead_gp", "practice").prefetch_related("series")
    audit.record(request.user, "view", "Viewed the care-home register", path=request.path)
    return render(request, "meetings/care_homes.jinja", {"homes": homes, "form": form,
                                                         "can_run": request.user.has_capability("run_meetings")})


@require_http_methods(["GET", "POST"])
@require("attend_meetings")
def care_home(request, care_home_id: int):
    home = get_object_or_404(CareHome.objects.select_related("lead_gp", "practice"), pk=care_home_id)
    form = forms.PlaceResidentForm(request.POST or None, initial={"care_home": home.pk})
    if request.method == "POST" and form.is_valid():
        resident, _basis = access.get_resident(request.user, form.cleaned_data["person_id"].strip())
        try:
            services.place_resident(form.cleaned_data["care_home"], resident, request.user, path=request.path)
            messages.info(request, f"{resident.name} lives at {form.cleaned_data['care_home'].name}.")
            return redirect("meetings:care_home", home.pk)
        except ValidationError as error:
            apply_service_errors(form, error)
    return _care_home_page(request, home, form, forms.SupportRecordForm(initial={"done_on": timezone.localdate()}))


def _care_home_page(request, home, place_form, support_form):
    # Residents are listed only where the user may open their record.
    visible = access.residents_for(request.user).filter(care_home_placements__care_home=home, care_home_placements__left_on__isnull=True)
    residents = list(visible.order_by("family_name"))
    total = home.placements.filter(left_on__isnull=True).count()
    audit.record(request.user, "view", f"Viewed care home {home.name} ({len(residents)} residents shown)", obj=home, path=request.path)
    audit.record_appearances(request.user, f"Listed among the residents of care home {home.name}"[:300],
                             [resident.person_id for resident in residents], path=request.path)
    return render(request, "meetings/care_home.jinja", {
        "home": home, "rows": care_home_presenters.resident_rows(home, request.user, residents),
        "checklist": care_home_presenters.home_checklist(home), "hidden": total - len(residents),
        "form": place_form, "support_form": support_form, "series_list": home.series.all(),
    })


@require_POST
@require("attend_meetings")
def care_home_support(request, care_home_id: int):
    """Record one enhanced-support item done (who did what and when)."""
    home = get_object_or_404(CareHome.objects.select_related("lead_gp", "practice"), pk=care_home_id)
    form = forms.SupportRecordForm(request.POST)
    if form.is_valid():
        person_id = form.cleaned_data["person_id"].strip()
        resident = access.get_resident(request.user, person_id)[0] if person_id else None
        try:
            services.record_support(home, request.user, item=form.cleaned_data["item"], done_on=form.cleaned_data["done_on"],
                                    resident=resident, note=form.cleaned_data["note"], path=request.path)
            messages.info(request, "Recorded.")
            return redirect("meetings:care_home", home.pk)
        except ValidationError as error:
            apply_service_errors(form, error)
    return _care_home_page(request, home, forms.PlaceResidentForm(initial={"care_home": home.pk}), form)


@require_http_methods(["GET", "POST"])
@require("attend_meetings")
def thread(request, person_id: str):
    resident, basis = access.get_resident(request.user, person_id)
    form = forms.MessageForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.post_message(resident, request.user, form.cleaned_data["body"], path=request.path)
            return redirect("meetings:thread", resident.person_id)
        except ValidationError as error:
            apply_service_errors(form, error)
    audit.record(request.user, "view", "Read the team's message thread", resident_id=resident.person_id, basis=basis, path=request.path)
    thread = access.scoped(request.user, ResidentMessage.objects).filter(resident=resident)
    thread = thread.select_related("author").prefetch_related("mentions")
    return render(request, "meetings/thread.jinja", {"resident": resident, "messages_list": thread, "form": form})
