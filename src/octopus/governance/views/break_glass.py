"""Break glass: asking for time-limited access to a resident's record with a reason, and the IG
lead's queue and review of each grant with what was looked at during it."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods

from octopus.accounts.permissions import require
from octopus.residents.models import Resident

from .. import access, audit
from ..forms import BreakGlassForm, BreakGlassReviewForm
from ..models import AuditEvent, BreakGlassAccess
from .common import record_url, safe_next


@require("view_residents")
@require_http_methods(["GET", "POST"])
def break_glass(request, person_id: str):
    # Before a grant, show nothing about the resident beyond whether the id exists.
    resident = Resident.objects.filter(person_id=person_id).first()
    existing = access.basis_for(request.user, resident) if resident else None
    destination = safe_next(request) or record_url(person_id)
    if resident is not None and existing is not None and request.method == "GET":
        if destination:
            return redirect(destination)
    form = BreakGlassForm(request.POST or None)
    if request.method == "POST" and resident is not None and form.is_valid():
        try:
            grant = access.request_break_glass(
                request.user, resident, form.cleaned_data["reason"], form.cleaned_data["detail"], path=request.path
            )
        except ValidationError as error:
            for field, errors in error.message_dict.items():
                form.add_error(field if field in form.fields else None, errors)
        else:
            messages.warning(
                request,
                f"Break-glass access granted until {grant.expires_at:%H:%M}. Your reason has been sent to the "
                "information governance lead.",
            )
            return redirect(destination or reverse("governance:break-glass", args=[person_id]))
    return render(
        request,
        "governance/break_glass.jinja",
        {
            "person_id": person_id,
            "exists": resident is not None,
            "form": form,
            "next": safe_next(request) or "",
            "grant": access.break_glass_for(request.user, resident) if resident else None,
            "hours": access.break_glass_duration().total_seconds() / 3600,
        },
        status=404 if resident is None else 200,
    )


@require("review_audit")
@require_GET
def break_glass_queue(request):
    show = request.GET.get("show", "pending")
    grants = BreakGlassAccess.objects.select_related("user", "resident", "reviewed_by").order_by("-granted_at")
    if show != "all":
        grants = grants.filter(reviewed_at__isnull=True)
    page = Paginator(grants, 25).get_page(request.GET.get("page"))
    # The queue names residents: each appears in their subject access report.
    audit.record_appearances(
        request.user,
        "Listed on the break-glass review queue",
        [grant.resident.person_id for grant in page],
        path=request.path,
    )
    return render(request, "governance/break_glass_queue.jinja", {"page": page, "show": show})


@require("review_audit")
@require_http_methods(["GET", "POST"])
def break_glass_review(request, grant_id: int):
    grant = get_object_or_404(BreakGlassAccess.objects.select_related("user", "resident"), pk=grant_id)
    form = BreakGlassReviewForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            access.review_break_glass(
                actor=request.user,
                grant=grant,
                outcome=form.cleaned_data["outcome"],
                note=form.cleaned_data["note"],
                path=request.path,
            )
        except ValidationError as error:
            for field, errors in error.message_dict.items():
                form.add_error(field if field in form.fields else None, errors)
        else:
            messages.success(request, "Review recorded.")
            return redirect("governance:break-glass-queue")
    views_during = AuditEvent.objects.filter(
        user=grant.user,
        resident_id=grant.resident.person_id,
        occurred_at__gte=grant.granted_at,
        occurred_at__lte=grant.expires_at,
    ).order_by("occurred_at")
    return render(
        request, "governance/break_glass_review.jinja", {"grant": grant, "form": form, "events": views_during}
    )
