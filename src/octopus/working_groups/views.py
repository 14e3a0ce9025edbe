"""Working group pages: the list (and setting one up), and one group with its members,
aims, watched cohort, actions and escalation log. No resident appears on any of them."""

import datetime as dt

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_http_methods

from octopus.accounts.models import User
from octopus.accounts.permissions import require
from octopus.governance import audit

from . import indicators, presenters, services
from .models import Level, Topic, WorkingGroup


@require_http_methods(["GET", "POST"])
@require("view_directory")
def index(request):
    problems = []
    if request.method == "POST":
        try:
            group = services.create_group(
                request.user,
                name=request.POST.get("name", ""),
                topic=request.POST.get("topic", ""),
                aims=request.POST.get("aims", ""),
                watched_cohort=request.POST.get("watched_cohort", ""),
                path=request.path,
            )
        except ValidationError as error:
            problems = error.messages
        else:
            messages.info(request, f"{group.name} set up. Add its members next.")
            return redirect("working_groups:group", group.pk)
    groups = WorkingGroup.objects.prefetch_related("members__organisation")
    return render(
        request,
        "working_groups/index.jinja",
        {
            "groups": [presenters.summary(g) for g in groups],
            "problems": problems,
            "posted": request.POST,
            "may_create": request.user.has_capability("run_meetings"),
            "topics": Topic.choices,
            "cohorts": indicators.choices(),
        },
    )


def _date(value: str):
    try:
        return dt.date.fromisoformat(value)
    except (TypeError, ValueError):
        return None


def _act(request, group: WorkingGroup) -> str:
    action = request.POST.get("action")
    if action == "member":
        user = User.objects.filter(pk=request.POST.get("user") or 0, is_active=True).first()
        if user is None:
            raise ValidationError({"user": "Choose the person to add."})
        services.add_member(group, request.user, user, path=request.path)
        return f"{user.display_name} added."
    if action == "action":
        owner = User.objects.filter(pk=request.POST.get("owner") or 0).first()
        made = services.add_action(
            group,
            request.user,
            text=request.POST.get("text", ""),
            owner=owner,
            due=_date(request.POST.get("due", "")),
            path=request.path,
        )
        return f"Action added to {made.owner.display_name}'s inbox."
    if action == "escalate":
        earlier = group.escalations.filter(pk=request.POST.get("escalation") or 0).first()
        if request.POST.get("escalation") and earlier is None:
            raise ValidationError({"escalation": "No such issue in this group's log."})
        entry = services.escalate(
            group, request.user, issue=request.POST.get("issue", ""), escalated_from=earlier, path=request.path
        )
        return f"Issue logged at the {entry.get_level_display().lower()} level."
    if action == "respond":
        entry = get_object_or_404(group.escalations.all(), pk=request.POST.get("escalation") or 0)
        services.respond(entry, request.user, request.POST.get("response", ""), path=request.path)
        return "Response recorded."
    raise ValidationError("Unknown action.")


@require_http_methods(["GET", "POST"])
@require("view_directory")
def group(request, group_id: int):
    group = get_object_or_404(WorkingGroup, pk=group_id)
    problems = []
    if request.method == "POST":
        try:
            done = _act(request, group)
        except ValidationError as error:
            problems = error.messages
        else:
            messages.info(request, done)
            return redirect("working_groups:group", group.pk)
    audit.record_request(request, "view", f"Viewed working group {group.name}", obj=group)
    return render(
        request,
        "working_groups/group.jinja",
        {
            **presenters.page(group, request.user),
            "problems": problems,
            "levels": Level.choices,
        },
    )
