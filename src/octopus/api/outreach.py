"""Outreach over the JSON API: a CHWW's households on her active rounds and the visits she
records, with the outreach pages' rules — her own active allocations only (another CHWW's is a
404), residents in the outreach scope only — and the outreach service for every visit."""

import datetime as dt
from typing import Literal

from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest
from ninja import Field, Router, Schema, Status

from octopus.governance import access, audit
from octopus.outreach import queries, services

from .schemas import Problem
from .security import CapabilitySession

outreach = Router(auth=CapabilitySession("do_outreach"), tags=["outreach"])
OUTREACH_ONLY = frozenset({access.OUTREACH})


class HouseholdOut(Schema):
    allocation_id: int
    round: str
    address: str
    postcode: str
    planned_on: dt.date | None
    visited: bool


class VisitIn(Schema):
    outcome: Literal["spoke", "no_answer", "declined", "moved"]
    note: str = Field("", max_length=500)
    spoke_with: str | None = Field(None, description="Person id of the resident spoken with, if any.")
    acknowledged: bool = Field(False, description="You read that someone here asked not to be contacted.")
    no_more_visits: bool = False


class VisitOut(Schema):
    id: int
    allocation_id: int
    outcome: str
    visited_on: dt.date
    spoke_with: str | None


@outreach.get("/households", response=list[HouseholdOut])
def households(request: HttpRequest):
    """Your households on rounds running now, in walking order."""
    allocations = list(queries.active_allocations(request.auth))
    visited = queries.visited_ids(allocations)
    audit.record_request(request, "view", f"Viewed my outreach households via API: {len(allocations)}")
    return [
        {
            "allocation_id": a.pk,
            "round": a.round.name,
            "address": a.household.address_line,
            "postcode": a.household.postcode,
            "planned_on": a.planned_on,
            "visited": a.pk in visited,
        }
        for a in allocations
    ]


@outreach.post("/households/{allocation_id}/visits", response={201: VisitOut, 422: Problem})
def record_visit(request: HttpRequest, allocation_id: int, body: VisitIn):
    allocation = queries.my_active_allocation(request.auth, allocation_id)
    if allocation is None:
        raise Http404("No such household on your rounds.")
    spoke_with = None
    if body.spoke_with:
        reachable = access.residents_for(request.auth, scopes=OUTREACH_ONLY).filter(household=allocation.household)
        spoke_with = reachable.filter(person_id=body.spoke_with).first()
        if spoke_with is None:
            raise ValidationError({"spoke_with": "Choose someone who lives in this household."})
    visit = services.record_visit(
        allocation,
        request.auth,
        outcome=body.outcome,
        note=body.note,
        spoke_with=spoke_with,
        acknowledged=body.acknowledged,
        no_more_visits=body.no_more_visits,
        path=request.path,
    )
    return Status(
        201,
        {
            "id": visit.pk,
            "allocation_id": allocation.pk,
            "outcome": visit.outcome,
            "visited_on": visit.visited_on,
            "spoke_with": spoke_with.person_id if spoke_with else None,
        },
    )
