"""Drop-in pages and the frontline findings dashboard.

Attendees are reached only through ``scoping`` (the staff present see them named, with the
fields their scope allows; everyone else who runs or plans drop-ins sees counts), and every page
naming attendees writes one audit entry. The dashboard shows aggregates under disclosure control
and needs ``view_population``."""

import datetime as dt

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST

from octopus.accounts.permissions import require
from octopus.core import charts
from octopus.core.forms import apply_service_errors
from octopus.directory.models import Location
from octopus.governance import audit

from . import dashboard, findings, forms, presenters, scoping, services


def _may_see(request) -> None:
    if not scoping.may_see_sessions(request.user):
        raise PermissionDenied("Drop-ins need the 'do_outreach' or 'plan_outreach' capability.")


def _session(request, session_id: int):
    return get_object_or_404(scoping.sessions_for(request.user).select_related("location", "run_by"), pk=session_id)


@require_http_methods(["GET"])
def index(request):
    _may_see(request)
    today = timezone.localdate()
    sessions = scoping.sessions_for(request.user).select_related("location", "run_by")
    mine = list(
        sessions.filter(staff=request.user, held_on__gte=today - dt.timedelta(days=30)).order_by("held_on", "starts_at")
    )
    recent = list(sessions.filter(held_on__gte=today - dt.timedelta(days=92)).prefetch_related("attendees")[:100])
    return render(
        request,
        "community/index.jinja",
        {
            "mine": mine,
            "recent": recent,
            "today": today,
            "locations": Location.objects.filter(drop_ins__isnull=False).distinct(),
        },
    )


@require_http_methods(["GET", "POST"])
def session_create(request):
    _may_see(request)
    # The person setting it up is usually one of the staff, if their role lets them record attendees.
    present = [request.user.pk] if request.user.has_capability("view_residents") else []
    form = forms.SessionForm(request.POST or None, initial={"staff": present})
    if request.method == "POST" and form.is_valid():
        try:
            session = services.create_session(request.user, path=request.path, **form.cleaned_data)
        except ValidationError as error:
            apply_service_errors(form, error)
        else:
            messages.info(request, f"{session.title} is set up for {session.held_on:%-d %B %Y}.")
            return redirect("community:session", session.pk)
    return render(request, "community/session_form.jinja", {"form": form})


@require_http_methods(["GET", "POST"])
def session_detail(request, session_id: int):
    session = _session(request, session_id)
    scope = scoping.scope_for(request.user, session)
    form = forms.AttendeeForm(request.POST or None) if scope == scoping.STAFF else None
    if request.method == "POST":
        if form is None:
            raise PermissionDenied("Only the staff present at this drop-in can record its attendees.")
        if form.is_valid():
            data = dict(form.cleaned_data)
            try:
                services.record_attendee(
                    session,
                    request.user,
                    path=request.path,
                    needs=form.chosen_needs(),
                    **{
                        key: data[key]
                        for key in (
                            "anonymous",
                            "given_name",
                            "family_name",
                            "date_of_birth",
                            "postcode",
                            "nhs_number",
                            "consent_to_match",
                        )
                    },
                )
            except ValidationError as error:
                apply_service_errors(form, error)
            else:
                messages.info(request, "Attendee recorded.")
                return redirect("community:session", session.pk)
    rows = []
    if scope == scoping.STAFF:
        attendees = (
            scoping.attendees_for(request.user)
            .filter(session=session)
            .prefetch_related("introductions__to_practitioner__team", "introductions__referral")
        )
        rows = [presenters.attendee(a, n, scope) for n, a in enumerate(attendees, start=1)]
        named = sum(1 for row in rows if not row["anonymous"])
        audit.record_request(
            request, "view", f"Viewed the attendees of {session} ({len(rows)}, {named} named)"[:300], obj=session
        )
    return render(
        request,
        "community/session.jinja",
        {
            "session": session,
            "scope": scope,
            "staff_scope": scoping.STAFF,
            "rows": rows,
            "form": form,
            "summary": presenters.summary(session),
            "staff": list(session.staff.order_by("first_name", "last_name")),
            "partners": list(session.partners.all()),
        },
    )


@require_http_methods(["GET", "POST"])
def introduce(request, session_id: int, attendee_id: int):
    session = _session(request, session_id)
    attendee = scoping.attendees_for(request.user).filter(session=session, pk=attendee_id).first()
    if attendee is None:
        raise Http404("No attendee of a drop-in you were at has that number.")
    form = forms.IntroductionForm(request.POST or None, attendee=attendee)
    if request.method == "POST" and form.is_valid():
        try:
            made = services.introduce(attendee, request.user, path=request.path, **form.cleaned_data)
        except ValidationError as error:
            apply_service_errors(form, error)
        else:
            messages.info(request, f"Introduced to {made.to_practitioner.name}.")
            return redirect("community:session", session.pk)
    audit.record_request(
        request, "view", f"Opened the introduction form for an attendee of {session}"[:300], obj=attendee
    )
    shown = presenters.attendee(attendee, 0, scoping.STAFF)
    return render(request, "community/introduce.jinja", {"session": session, "attendee": shown, "form": form})


@require_POST
def introduction_status(request, introduction_id: int):
    introduction = (
        scoping.introductions_for(request.user).select_related("attendee__session").filter(pk=introduction_id).first()
    )
    if introduction is None:
        raise Http404("No introduction made at a drop-in you were at has that number.")
    try:
        services.set_status(introduction, request.user, request.POST.get("status", ""), path=request.path)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.info(
            request,
            f"Introduction to {introduction.to_practitioner.name}: {introduction.get_status_display().lower()}.",
        )
    return redirect("community:session", introduction.attendee.session_id)


def _month(value: str | None) -> dt.date:
    if value:
        return dt.date(int(value[:4]), int(value[5:7]), 1)
    return timezone.localdate().replace(day=1)


def _next_month(month: dt.date) -> dt.date:
    return (month + dt.timedelta(days=32)).replace(day=1)


@require_http_methods(["GET"])
def location_month(request, location_id: int):
    """Every drop-in at one location in one month, as counts (no attendee is named here)."""
    _may_see(request)
    location = get_object_or_404(Location, pk=location_id)
    form = forms.MonthForm(request.GET or None)
    month = _month(form.cleaned_data.get("month") if form.is_valid() else None)
    sessions = list(
        scoping.sessions_for(request.user)
        .filter(location=location, held_on__gte=month, held_on__lt=_next_month(month))
        .select_related("run_by")
        .order_by("held_on", "starts_at")
    )
    rows = [(s, presenters.summary(s)) for s in sessions]
    totals = {
        key: sum(getattr(summary, key) for _, summary in rows)
        for key in ("attendees", "anonymous", "needs_found", "introductions", "completed")
    }
    previous = (month - dt.timedelta(days=1)).replace(day=1)
    return render(
        request,
        "community/location_month.jinja",
        {
            "location": location,
            "month": month,
            "rows": rows,
            "totals": totals,
            "form": form,
            "previous": f"{previous:%Y-%m}",
            "following": f"{_next_month(month):%Y-%m}",
        },
    )


DEFAULT_MONTHS = 12


@require_http_methods(["GET"])
@require("view_population")
def findings_dashboard(request):
    """Needs found at doors, drop-ins and (once wired) social prescribing, from every registered
    findings source; all counts under disclosure control."""
    form = forms.MonthForm(request.GET or None)
    last = _month(form.cleaned_data.get("month") if form.is_valid() else None)
    months = [last]
    while len(months) < DEFAULT_MONTHS:
        months.insert(0, (months[0] - dt.timedelta(days=1)).replace(day=1))
    found = findings.collect(months[0], _next_month(last))
    as_of = timezone.localdate()
    shown = [
        dashboard.needs_by_kind(found, as_of),
        dashboard.needs_by_month(found, months, as_of),
        dashboard.needs_map(found, as_of),
        dashboard.introductions(found, as_of),
    ]
    detail = dashboard.detail_table(found, as_of)
    response = charts.csv_or(request, [*shown, detail])
    if response is not None:
        audit.record_request(
            request, "export", f"Downloaded the frontline findings CSV ({request.GET.get('csv')})"[:300]
        )
        return response
    audit.record_request(
        request, "view", f"Viewed the frontline findings dashboard ({months[0]:%B %Y} to {last:%B %Y})"
    )
    return render(
        request,
        "community/findings.jinja",
        {
            "figures": shown,
            "detail": detail,
            "form": form,
            "first": months[0],
            "last": last,
            "sources": sorted({f.source for f in found}),
            "registered": len(findings.sources()),
        },
    )
