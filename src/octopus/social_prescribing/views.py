"""Social prescribing pages: the link worker's caseload, one resident's social prescription
(start, what matters, goals, introductions, wellbeing at start and review) and the outcomes
across everyone, per service. Residents are reached only through the access point; the
prescription's fields only through ``fields.present``."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_GET, require_http_methods

from octopus.accounts.permissions import require
from octopus.core import charts
from octopus.governance import access, audit

from . import fields, measures, outcomes, presenters, queries, reasons, services
from .models import Occasion, Prescription


@require_GET
@require("hold_caseload")
def caseload(request):
    rows = [presenters.caseload_row(p, request.user) for p in queries.caseload(request.user)]
    audit.record_appearances(
        request.user, "Listed on the social prescribing caseload", [row["person_id"] for row in rows], path=request.path
    )
    return render(
        request,
        "social_prescribing/caseload.jinja",
        {
            "rows": rows,
            "is_link_worker": services.link_worker_teams(request.user).exists(),
        },
    )


def _start(request, resident):
    teams = list(services.link_worker_teams(request.user))
    team = next((t for t in teams if str(t.pk) == request.POST.get("team")), teams[0] if len(teams) == 1 else None)
    if team is None:
        raise ValidationError({"team": "Choose the link worker team."})
    return services.start(
        resident,
        request.user,
        team=team,
        source=request.POST.get("source", ""),
        reason_codes=request.POST.getlist("reasons"),
        what_matters=request.POST.get("what_matters", ""),
        path=request.path,
    )


def _mine(request, resident) -> Prescription:
    prescription = get_object_or_404(
        access.scoped(request.user, Prescription.objects, via="case__resident"),
        pk=request.POST.get("prescription") or 0,
        case__resident=resident,
    )
    if fields.scope_for(request.user, prescription) != fields.LINK_WORKER:
        raise PermissionDenied("Only the link worker's team can change this social prescription.")
    return prescription


def _act(request, resident) -> str:
    action = request.POST.get("action")
    if action == "start":
        _start(request, resident)
        return "Social prescribing started."
    prescription = _mine(request, resident)
    if action == "what_matters":
        services.update_what_matters(
            prescription, request.user, request.POST.get("what_matters", ""), path=request.path
        )
        return "What matters to them saved."
    if action == "goal":
        services.add_goal(prescription, request.user, request.POST.get("text", ""), path=request.path)
        return "Goal added."
    if action == "goal_status":
        goal = get_object_or_404(prescription.goals.all(), pk=request.POST.get("goal") or 0)
        services.set_goal_status(goal, request.user, request.POST.get("status", ""), path=request.path)
        return "Goal updated."
    if action == "introduce":
        practitioner = queries.vcse_practitioners().filter(pk=request.POST.get("to_practitioner") or 0).first()
        if practitioner is None:
            raise ValidationError({"to_practitioner": "Choose the named person to introduce them to."})
        services.introduce(
            prescription,
            request.user,
            to_practitioner=practitioner,
            need=request.POST.get("need", ""),
            reason=request.POST.get("reason", ""),
            shared_information=request.POST.get("shared_information", ""),
            preferred_contact=request.POST.get("preferred_contact", "phone"),
            resident_agreed=request.POST.get("resident_agreed") == "yes",
            path=request.path,
        )
        return f"Introduced to {practitioner.given_name} {practitioner.family_name}."
    if action == "score":
        instrument = request.POST.get("instrument", "")
        tool = measures.INSTRUMENTS.get(instrument)
        answers = {item.code: request.POST.get(f"item-{item.code}", "") for item in tool.items} if tool else {}
        services.record_score(
            prescription,
            request.user,
            instrument=instrument,
            occasion=request.POST.get("occasion", ""),
            answers=answers,
            path=request.path,
        )
        return f"{tool.name} recorded."
    raise ValidationError("Unknown action.")


@require_http_methods(["GET", "POST"])
@require("hold_caseload")
def resident(request, person_id: str):
    problems = []
    if request.method == "POST":
        opened = access.record_for(request.user, person_id)
        try:
            done = _act(request, opened.resident)
        except ValidationError as error:
            problems = error.messages
        else:
            messages.info(request, done)
            return redirect("social_prescribing:resident", person_id)
    opened = access.open_record(request, person_id, "Opened the resident's social prescribing record")
    page = presenters.resident_page(opened, request.user, wemwbs_licensed=services.wemwbs_licensed())
    return render(
        request,
        "social_prescribing/resident.jinja",
        {
            **page,
            "problems": problems,
            "posted": request.POST if problems else {},
            "sources": reasons.SOURCES.items(),
            "reasons": [(k, v[0]) for k, v in reasons.REASONS.items()],
            "occasions": Occasion.choices,
            "practitioners": queries.vcse_practitioners(),
        },
    )


@require_GET
@require("view_population")
def outcomes_page(request):
    rows = outcomes.by_service()
    figure = presenters.outcomes_chart(rows)
    audit.record_request(request, "view", "Viewed social prescribing outcomes per service")
    return charts.csv_or(request, [figure]) or render(
        request,
        "social_prescribing/outcomes.jinja",
        {
            "rows": rows,
            "figure": figure,
        },
    )
