"""The CHWW's day: their households on each running round, today's in visiting order on a map."""

from collections import defaultdict
from dataclasses import dataclass

from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET

from octopus.accounts.permissions import require
from octopus.governance import access, audit

from .. import queries, route_map, services
from ..models import Allocation, Round
from .common import OUTREACH_ONLY, route_drawing


@dataclass(frozen=True)
class HouseholdRow:
    allocation: Allocation
    residents: int
    not_to_visit: int
    latest: object
    visited: bool


@dataclass(frozen=True)
class RoundPlan:
    round: Round
    progress: queries.Progress
    day: queries.Day
    rows: dict
    still_to_visit: list
    done: list
    route: route_map.Drawing | None = None


def _rows(request, allocations) -> dict[int, HouseholdRow]:
    households = [a.household for a in allocations]
    counts = queries.residents_per_household(households)
    reachable = access.residents_for(request.user, scopes=OUTREACH_ONLY).filter(household__in=households)
    refused = defaultdict(int)
    for resident in services.not_to_visit(reachable):
        refused[resident.household_id] += 1
    latest = queries.latest_visits(allocations)
    visited = queries.visited_ids(allocations)
    return {
        a.pk: HouseholdRow(a, counts.get(a.household_id, 0), refused[a.household_id], latest.get(a.pk), a.pk in visited)
        for a in allocations
    }


@require_GET
@require("do_outreach")
def index(request):
    allocations = list(queries.active_allocations(request.user))
    rows = _rows(request, allocations)
    by_round = defaultdict(list)
    for allocation in allocations:
        by_round[allocation.round].append(allocation)
    plans = []
    for round_, mine in by_round.items():
        visited = {a.pk for a in mine if rows[a.pk].visited}
        day = queries.day_plan(mine, visited)
        in_day = {a.pk for a in day.allocations}
        plans.append(
            RoundPlan(
                round=round_,
                progress=queries.Progress(request.user, len(mine), len(visited)),
                day=day,
                rows=rows,
                route=route_drawing([a.household for a in day.allocations]),
                still_to_visit=[a for a in mine if a.pk not in visited and a.pk not in in_day],
                done=[a for a in mine if a.pk in visited],
            )
        )
    audit.record_request(request, "view", f"Viewed my outreach households: {len(allocations)} on {len(plans)} rounds")
    today = timezone.localdate()
    save_day = [
        reverse("outreach:household", args=[a.pk])
        for plan in plans
        if plan.day.on == today
        for a in plan.day.allocations
    ]
    return render(
        request,
        "outreach/index.jinja",
        {
            "plans": plans,
            "today": today,
            "definition_text": queries.PROGRESS_DEFINITION,
            "save_day": save_day,
        },
    )
