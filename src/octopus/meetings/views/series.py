"""Meeting series: the list, one series, setting one up or changing it, planning its meetings from
the timetable, the confidentiality agreement, scheduling one meeting, and the six-monthly review."""

import datetime as dt

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from octopus.accounts.permissions import require
from octopus.core.forms import apply_service_errors
from octopus.governance import audit

from .. import forms, membership, presenters, services
from ..models import MeetingSeries
from .common import member_or_403, to_meeting


@require_GET
@require("attend_meetings")
def index(request):
    mine = membership.series_ids_for(request.user)
    series = MeetingSeries.objects.select_related("team", "neighbourhood", "pcn", "care_home").prefetch_related(
        "members__user"
    )
    audit.record(request.user, "view", "Viewed meeting series", path=request.path)
    return render(
        request,
        "meetings/index.jinja",
        {
            "mine": [s for s in series if s.pk in mine],
            "others": [s for s in series if s.pk not in mine],
            "can_run": request.user.has_capability("run_meetings"),
        },
    )


@require_GET
@require("attend_meetings")
def series(request, series_id: int):
    series = get_object_or_404(
        MeetingSeries.objects.select_related("team", "neighbourhood", "pcn", "care_home"), pk=series_id
    )
    is_member = membership.is_member(request.user, series)
    audit.record(request.user, "view", f"Viewed meeting series {series.name}", obj=series, path=request.path)
    return render(
        request,
        "meetings/series.jinja",
        {
            "series": series,
            "is_member": is_member,
            "agreed": membership.has_agreed(request.user, series),
            "members": series.members.select_related("user__practitioner"),
            "meetings": series.meetings.all()[:20],
            "can_run": request.user.has_capability("run_meetings"),
            "form": forms.ScheduleMeetingForm(),
            "plan_form": forms.PlanMeetingsForm(),
        },
    )


# The service names the population by model and the free-text schedule; the form has one field for each.
SERIES_FORM_FIELDS = {
    "neighbourhood": "population",
    "pcn": "population",
    "care_home": "population",
    "schedule": "weekdays",
}


def _plan(request, series, weeks: int):
    if weeks and series.has_timetable:
        planned = services.plan_meetings(series, request.user, weeks=weeks, path=request.path)
        messages.info(
            request,
            f"{len(planned)} meetings added from the timetable."
            if planned
            else "No meetings to add: every meeting day in that period is already planned.",
        )


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
    return render(
        request,
        "meetings/series_form.jinja",
        {
            "form": form,
            "title": "Set up a meeting series",
            "submit_label": "Set up the series",
            "back": ("meetings:index", None),
        },
    )


@require_http_methods(["GET", "POST"])
@require("run_meetings")
def series_edit(request, series_id: int):
    series = get_object_or_404(MeetingSeries, pk=series_id)
    # Only its own members change a series: core membership decides who sees its worklists.
    member_or_403(request.user, series, agreed=False)
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
        form = forms.SeriesForm(
            initial=forms.SeriesForm.initial_for(series), user=request.user, member_rows=max(rows, 6)
        )
    audit.record(request.user, "view", f"Opened {series.name} for changing", obj=series, path=request.path)
    return render(
        request,
        "meetings/series_form.jinja",
        {
            "form": form,
            "title": f"Change {series.name}",
            "series": series,
            "submit_label": "Save the series",
            "back": ("meetings:series", series.pk),
        },
    )


@require_POST
@require("run_meetings")
def series_plan(request, series_id: int):
    series = get_object_or_404(MeetingSeries, pk=series_id)
    member_or_403(request.user, series, agreed=False)
    form = forms.PlanMeetingsForm(request.POST)
    if not series.has_timetable:
        messages.error(
            request, "Set the days and start time of the series (Change the series) before adding meetings from it."
        )
    elif form.is_valid():
        _plan(request, series, form.cleaned_data["weeks"])
    return redirect("meetings:series", series.pk)


@require_POST
@require("attend_meetings")
def confidentiality(request, series_id: int):
    series = get_object_or_404(MeetingSeries, pk=series_id)
    member_or_403(request.user, series, agreed=False)
    services.confirm_confidentiality(series, request.user, path=request.path)
    messages.info(request, f"You confirmed the confidentiality agreement for {series.name}.")
    return redirect("meetings:series", series.pk)


@require_http_methods(["GET", "POST"])
@require("run_meetings")
def schedule(request, series_id: int):
    series = get_object_or_404(MeetingSeries, pk=series_id)
    member_or_403(request.user, series, agreed=False)
    form = forms.ScheduleMeetingForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        starts = timezone.make_aware(dt.datetime.combine(form.cleaned_data["date"], form.cleaned_data["time"]))
        meeting = services.schedule_meeting(
            series, request.user, starts, form.cleaned_data["location"], path=request.path
        )
        return to_meeting(meeting)
    audit.record(request.user, "view", f"Opened the scheduling form for {series.name}", obj=series, path=request.path)
    return render(
        request,
        "meetings/form_page.jinja",
        {
            "form": form,
            "title": f"Schedule a meeting of {series.name}",
            "submit_label": "Schedule",
            "back": ("meetings:series", series.pk),
        },
    )


@require_GET
@require("attend_meetings")
def review(request, series_id: int):
    series = get_object_or_404(MeetingSeries, pk=series_id)
    result = presenters.six_monthly_review(series)
    audit.record(request.user, "view", f"Viewed the six-monthly review of {series.name}", obj=series, path=request.path)
    return render(request, "meetings/review.jinja", {"series": series, "review": result})
