"""The audit log: the IG lead's search of it, and verifying its chain and writing a checkpoint."""

from django.core.paginator import Paginator
from django.shortcuts import render
from django.views.decorators.http import require_GET, require_http_methods

from octopus.accounts.permissions import require

from .. import audit, checkpoints
from ..forms import AuditSearchForm
from ..models import AuditEvent


def _filtered_events(form):
    events = AuditEvent.objects.order_by("-id")
    if not form.is_valid():
        return events.none()
    data = form.cleaned_data
    if data["username"]:
        events = events.filter(username__icontains=data["username"])
    if data["person_id"]:
        events = events.filter(resident_id=data["person_id"].strip())
    if data["action"]:
        events = events.filter(action=data["action"])
    if data["date_from"]:
        events = events.filter(occurred_at__date__gte=data["date_from"])
    if data["date_to"]:
        events = events.filter(occurred_at__date__lte=data["date_to"])
    return events


@require("review_audit")
@require_GET
def audit_search(request):
    form = AuditSearchForm(request.GET or None)
    searched = form.is_bound
    events = _filtered_events(form) if searched else AuditEvent.objects.order_by("-id")
    page = Paginator(events, 50).get_page(request.GET.get("page"))
    if searched and form.is_valid():
        audit.record_request(
            request, "search", "Searched the audit log", resident_id=form.cleaned_data["person_id"].strip()
        )
    return render(request, "governance/audit_search.jinja", {"form": form, "page": page})


@require("review_audit")
@require_http_methods(["GET", "POST"])
def audit_verify(request):
    # Verifying writes a checkpoint and an audit entry: that is a POST, never a side effect of
    # opening the page (a prefetching browser or a link checker would otherwise write checkpoints).
    report = audit.verify_and_checkpoint(request.user, path=request.path) if request.method == "POST" else None
    try:
        last = (checkpoints.read() or [None])[-1]
    except checkpoints.CheckpointError as error:
        last = {"problem": str(error)}
    return render(request, "governance/audit_verify.jinja", {"report": report, "last": last})
