"""A CHWW at a household: its page, recording a visit (also from the phone's outbox) and a warm
introduction from the doorstep."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from octopus.accounts.permissions import require
from octopus.core.forms import apply_service_errors
from octopus.governance import access, audit
from octopus.residents.models import Household

from .. import forms, presenters, queries, relationships, services
from ..models import Allocation
from .common import OUTREACH_ONLY


def _mine_or_404(request, allocation_id: int) -> Allocation:
    allocation = queries.my_active_allocation(request.user, allocation_id)
    if allocation is None:
        raise Http404("This household is not on a round of yours that is running now.")
    return allocation


def _residents(request, household: Household):
    """The household's residents this CHWW may see for outreach, through the access point."""
    reachable = access.residents_for(request.user, scopes=OUTREACH_ONLY)
    return list(reachable.filter(household=household).order_by("date_of_birth", "pk"))


@require_GET
@require("do_outreach")
def resident(request, person_id: str):
    """Where a CHWW sees a resident: the household page of the allocation that includes them."""
    allocation = (
        queries.active_allocations(request.user)
        .filter(household__residents__person_id=person_id, household__residents__date_of_death__isnull=True)
        .first()
    )
    if allocation is None:
        raise Http404("This resident's household is not on a round of yours that is running now.")
    return redirect("outreach:household", allocation.pk)


def _household_page(request, allocation: Allocation, form=None):
    residents = _residents(request, allocation.household)
    # The phone saves the day's households for use without signal (decision 0030): that is a
    # disclosure to the device, audited as such.
    saved = request.headers.get("X-Octopus-Offline") == "save-day"
    what = (
        "Saved the household on the phone for today's outreach visits"
        if saved
        else "Opened the household for an outreach visit"
    )
    for r in residents:
        audit.record_request(
            request, "view", f"{what} ({allocation.round.name})", resident_id=r.person_id, basis=relationships.BASIS
        )
    if not residents:
        audit.record_request(
            request,
            "view",
            f"Opened {allocation.household} for an outreach visit: nobody living there",
            obj=allocation,
            basis=relationships.BASIS,
        )
    shown = presenters.outreach_residents(residents)
    mine = list(queries.active_allocations(request.user).filter(round=allocation.round))
    index = next(i for i, a in enumerate(mine) if a.pk == allocation.pk)
    return render(
        request,
        "outreach/household.jinja",
        {
            "allocation": allocation,
            "household": allocation.household,
            "residents": shown,
            "not_to_visit": [r for r in shown if not r.may_visit],
            "visits": allocation.visits.select_related("spoke_with", "recorded_by"),
            "form": form or forms.VisitForm(residents=residents),
            "position": index + 1,
            "of": len(mine),
            "previous": mine[index - 1] if index > 0 else None,
            "next": mine[index + 1] if index + 1 < len(mine) else None,
            "may_introduce": request.user.has_capability("refer"),
            "tasks": queries.open_tasks(request.user, allocation, shown),
            "conditions": queries.condition_history(allocation.household),
        },
    )


@require_GET
@require("do_outreach")
def household(request, allocation_id: int):
    return _household_page(request, _mine_or_404(request, allocation_id))


def _from_outbox(request) -> bool:
    """Sent by the phone's outbox (doorstep.js), which wants JSON, not a page."""
    return request.headers.get("X-Octopus-Outbox") == "1"


@require_POST
@require("do_outreach")
def visit(request, allocation_id: int):
    allocation = _mine_or_404(request, allocation_id)
    residents = _residents(request, allocation.household)
    form = forms.VisitForm(request.POST, residents=residents)
    if form.is_valid():
        data = form.cleaned_data
        spoke_with = next((r for r in residents if r.person_id == data["spoke_with"]), None)
        earlier = services.already_recorded(allocation, request.user, data["client_key"])
        try:
            recorded = earlier or services.record_visit(
                allocation,
                request.user,
                outcome=data["outcome"],
                note=data["note"],
                spoke_with=spoke_with,
                acknowledged=data["acknowledged"],
                no_more_visits=data["no_more_visits"],
                answers=form.answers(),
                consent_to_share=data["consent_to_share"],
                consent_to_introduce=data["consent_to_introduce"],
                asked_about_home=data["asked_about_home"],
                client_key=data["client_key"],
                path=request.path,
            )
        except ValidationError as error:
            apply_service_errors(form, error)
        else:
            text = f"Visit recorded: {recorded.get_outcome_display().lower()} at {allocation.household.address_line}."
            if _from_outbox(request):
                return JsonResponse(
                    {
                        "status": "already recorded" if earlier else "recorded",
                        "visit": recorded.pk,
                        "message": text,
                        "next": reverse("outreach:index"),
                    },
                    status=200 if earlier else 201,
                )
            messages.info(request, text)
            return redirect("outreach:index")
    if _from_outbox(request):
        return JsonResponse(
            {"status": "invalid", "errors": {f: [str(e) for e in errs] for f, errs in form.errors.items()}}, status=400
        )
    return _household_page(request, allocation, form)


@require_http_methods(["GET", "POST"])
@require("do_outreach")
def introduce(request, allocation_id: int, person_id: str):
    """A warm introduction from the doorstep, with the care app's form and referral service."""
    if not request.user.has_capability("refer"):
        raise PermissionDenied("This page needs the 'refer' capability.")
    allocation = _mine_or_404(request, allocation_id)
    resident = next((r for r in _residents(request, allocation.household) if r.person_id == person_id), None)
    if resident is None:
        raise Http404("This resident does not live in the household you are visiting.")
    form = forms.IntroductionForm(request.POST or None, initial={"to_practitioner": request.GET.get("practitioner")})
    if request.method == "POST" and form.is_valid():
        try:
            referral = services.introduce(allocation, request.user, resident, path=request.path, **form.cleaned_data)
        except ValidationError as error:
            apply_service_errors(form, error)
        else:
            messages.info(
                request,
                f"{'Introduction' if referral.is_introduction else 'Referral'} sent to {referral.recipient_label}.",
            )
            return redirect("outreach:household", allocation.pk)
    audit.record_request(
        request,
        "view",
        "Opened the introduction form on an outreach visit",
        resident_id=resident.person_id,
        basis=relationships.BASIS,
    )
    return render(
        request,
        "outreach/introduce.jinja",
        {
            "allocation": allocation,
            "resident": presenters.outreach_residents([resident])[0],
            "form": form,
        },
    )
