"""The planner's rounds: the list, planning one, allocating households to CHWWs, and withdrawing a
round or an allocation."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from octopus.accounts.permissions import require
from octopus.core.forms import apply_service_errors
from octopus.governance import audit

from .. import forms, queries, services
from ..models import Allocation, Round


def _round(round_id: int) -> Round:
    return get_object_or_404(Round, pk=round_id)


@require_GET
@require("plan_outreach")
def rounds(request):
    listed = [(r, queries.progress(r)) for r in Round.objects.select_related("planned_by")[:50]]
    audit.record_request(request, "view", f"Viewed outreach rounds ({len(listed)})")
    return render(request, "outreach/rounds.jinja", {"rounds": listed, "definition_text": queries.PROGRESS_DEFINITION})


@require_http_methods(["GET", "POST"])
@require("plan_outreach")
def round_create(request):
    form = forms.RoundForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            round_ = services.create_round(request.user, path=request.path, **form.cleaned_data)
        except ValidationError as error:
            apply_service_errors(form, error)
        else:
            messages.info(request, f"{round_.name} planned. Now allocate households to CHWWs.")
            return redirect("outreach:allocate", round_.pk)
    return render(request, "outreach/round_form.jinja", {"form": form})


@require_GET
@require("plan_outreach")
def round_detail(request, round_id: int):
    round_ = _round(round_id)
    by_worker = queries.allocations_by_worker(round_)
    allocations = [a for mine in by_worker.values() for a in mine]
    audit.record_request(
        request, "view", f"Viewed outreach round {round_.name}: {len(allocations)} households", obj=round_
    )
    return render(
        request,
        "outreach/round.jinja",
        {
            "round": round_,
            "progress": queries.progress(round_),
            "by_worker": by_worker,
            "latest": queries.latest_visits(allocations),
            "definition_text": queries.PROGRESS_DEFINITION,
        },
    )


@require_http_methods(["GET", "POST"])
@require("plan_outreach")
def allocate(request, round_id: int):
    round_ = _round(round_id)
    filters = forms.HouseholdFilterForm(request.GET or None)
    form = forms.AllocateForm(request.POST or None, round_=round_)
    if request.method == "POST" and form.is_valid():
        chosen = queries.households(request.POST.getlist("households"))
        try:
            made = services.allocate(round_, request.user, households=chosen, path=request.path, **form.cleaned_data)
        except ValidationError as error:
            apply_service_errors(form, error)
        else:
            messages.info(request, f"{len(made)} households allocated to {form.cleaned_data['worker'].display_name}.")
            return redirect("outreach:round", round_.pk)
    candidates, total = ([], 0)
    if filters.has_filter:
        candidates, total = queries.candidate_households(round_, **filters.cleaned_data)
        audit.record_request(
            request, "search", f"Listed {total} households for outreach round {round_.name}", obj=round_
        )
    return render(
        request,
        "outreach/allocate.jinja",
        {
            "round": round_,
            "filters": filters,
            "form": form,
            "candidates": candidates,
            "total": total,
            "limit": queries.CANDIDATE_LIMIT,
            "areas": [] if filters.has_filter else queries.areas_by_deprivation(round_),
            "residents": queries.residents_per_household(candidates),
            "query": request.GET.urlencode(),
            "chosen": set(request.POST.getlist("households")) if request.method == "POST" else None,
        },
    )


@require_POST
@require("plan_outreach")
def round_withdraw(request, round_id: int):
    round_ = _round(round_id)
    try:
        services.withdraw_round(round_, request.user, request.POST.get("reason", ""), path=request.path)
    except ValidationError as error:
        messages.warning(request, " ".join(error.messages))
    else:
        messages.info(request, f"{round_.name} withdrawn: its CHWWs can no longer see its households.")
    return redirect("outreach:round", round_.pk)


@require_POST
@require("plan_outreach")
def allocation_withdraw(request, allocation_id: int):
    allocation = get_object_or_404(Allocation.objects.select_related("round", "household", "worker"), pk=allocation_id)
    services.withdraw_allocation(allocation, request.user, path=request.path)
    messages.info(request, f"{allocation.household} taken off {allocation.worker.display_name}'s round.")
    return redirect("outreach:round", allocation.round_id)
