"""The caseload: who a team holds, filtered and sorted, and adding a resident to it or closing
their case."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_http_methods

from octopus.accounts.permissions import require
from octopus.core.forms import apply_service_errors
from octopus.governance import access, audit

from .. import forms, queries, services
from ..models import CareTier, Case
from .common import audit_view, to_record


def _holder_param(request):
    holder = request.GET.get("holder", "")
    if holder == "me":
        return request.user.pk
    return holder if holder == "team" or holder.isdigit() else None


@require_http_methods(["GET"])
@require("hold_caseload")
def caseload(request):
    # Band and segment are clinical detail (docs/information-governance.md): filtering or sorting
    # by them would reveal them, so only a list whose every row is in the full scope offers it.
    clinical_list = access.list_scope(request.user) == access.FULL
    params = {
        "team_id": request.GET.get("team") or None,
        "holder_id": _holder_param(request),
        "band": request.GET.get("band", "") if clinical_list else "",
        "segment": request.GET.get("segment", "") if clinical_list else "",
        "tier": request.GET.get("tier", ""),
        "sort": request.GET.get("sort", "review"),
    }
    if params["sort"] in ("band", "segment") and not clinical_list:
        params["sort"] = "review"
    cases = queries.caseload(request.user, **params)
    counts = queries.caseload_counts(cases)
    paginator = Paginator(cases, 50)
    paginator.count = counts["open"]  # counted just above; the paginator would count the caseload again
    page = paginator.get_page(request.GET.get("page"))
    audit.record_appearances(
        request.user,
        "Listed on the caseload page",
        [case.resident.person_id for case in page],
        path=request.path,
        basis="caseload",
        list_entry=f"Viewed caseload ({counts['open']} residents)",
    )
    clinical_sorts = [("band", "Risk"), ("segment", "Segment")] if clinical_list else []
    return render(
        request,
        "care/caseload.jinja",
        {
            "page": page,
            "counts": counts,
            "params": params,
            "filters": queries.caseload_filters(request.user),
            "teams": request.user.memberships.select_related("team"),
            "tiers": CareTier.choices,
            "sorts": [
                ("review", "Next review due"),
                ("overdue", "Overdue actions"),
                ("last_contact", "Last contact"),
                *clinical_sorts,
                ("name", "Name"),
            ],
            "today": timezone.localdate(),
            "clinical_list": clinical_list,
            "clinical_ids": _clinical_ids(request.user, [case.resident for case in page]),
        },
    )


def _clinical_ids(user, residents) -> set[int]:
    """Which of a list's residents this user sees in the full scope (VCSE consent is per resident)."""
    return {pk for pk, scope in access.scopes_for(user, residents).items() if scope == access.FULL}


@require_http_methods(["GET"])
@require("hold_caseload")
def rising_risk(request):
    """Superseded by the case-finding rising-risk list (decision 0022); kept for bookmarks."""
    return redirect("casefinding:list", "rising-risk")


@require_http_methods(["GET", "POST"])
@require("hold_caseload")
def add_case(request, person_id: str):
    resident, basis = access.get_resident(request.user, person_id)
    form = forms.AddCaseForm(
        request.POST or None, user=request.user, initial={"source": request.GET.get("source", "search")}
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.open_case(
                resident,
                form.cleaned_data["team"],
                request.user,
                source=form.cleaned_data["source"],
                holder=form.cleaned_data["holder"],
                next_review_due=form.cleaned_data["next_review_due"],
                path=request.path,
            )
            messages.info(request, f"{resident.name} is on the {form.cleaned_data['team'].name} caseload.")
            return to_record(resident)
        except ValidationError as error:
            apply_service_errors(form, error)
    audit_view(request, resident, basis, "Opened add-to-caseload form")
    return render(
        request,
        "care/form_page.jinja",
        {
            "resident": resident,
            "form": form,
            "title": f"Add {resident.name} to a caseload",
            "submit_label": "Add to caseload",
        },
    )


@require_http_methods(["GET", "POST"])
@require("hold_caseload")
def close_case(request, case_id: int):
    case = get_object_or_404(
        access.scoped(request.user, Case.objects.select_related("team", "resident")), pk=case_id, closed_at__isnull=True
    )
    resident, basis = access.get_resident(request.user, case.resident.person_id)
    if case.team_id not in request.user.team_ids and case.holder_id != request.user.pk:
        raise PermissionDenied("Only the team holding a case can close it.")
    form = forms.CloseCaseForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        services.close_case(
            case, request.user, form.cleaned_data["outcome"], form.cleaned_data["note"], path=request.path
        )
        messages.info(request, f"Case closed: {resident.name} is no longer on the {case.team.name} caseload.")
        return redirect("care:caseload")
    audit_view(request, resident, basis, "Opened close-case form")
    return render(
        request,
        "care/form_page.jinja",
        {
            "resident": resident,
            "form": form,
            "title": f"Close {resident.name}'s case on {case.team.name}",
            "submit_label": "Close case",
        },
    )
