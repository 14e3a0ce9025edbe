"""Check-ins: scheduling a programme with a partner organisation and recording each outcome."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_http_methods

from octopus.accounts.permissions import require
from octopus.core.forms import apply_service_errors
from octopus.governance import access

from .. import forms, services
from ..models import CheckIn, CheckInStatus
from .common import audit_view


@require_http_methods(["GET", "POST"])
@require("hold_caseload")
def check_ins(request, person_id: str):
    resident, basis = access.get_resident(request.user, person_id)
    form = forms.CheckInScheduleForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            created = services.schedule_check_ins(resident, actor=request.user, path=request.path, **form.cleaned_data)
            messages.info(request, f"{len(created)} check-ins scheduled with {form.cleaned_data['organisation'].name}.")
            return redirect("care:check_ins", resident.person_id)
        except ValidationError as error:
            apply_service_errors(form, error)
    audit_view(request, resident, basis, "Viewed check-ins")
    return render(
        request,
        "care/check_ins.jinja",
        {
            "resident": resident,
            "form": form,
            "check_ins": access.scoped(request.user, CheckIn.objects)
            .filter(resident=resident)
            .select_related("organisation", "assignee")
            .order_by("-due_on")[:40],
            "warning": services.organisations_contacting(resident),
        },
    )


@require_http_methods(["GET", "POST"])
@require("hold_caseload")
def check_in_complete(request, check_in_id: int):
    check_ins = access.scoped(request.user, CheckIn.objects.select_related("resident", "organisation"))
    check_in = get_object_or_404(check_ins, pk=check_in_id, status=CheckInStatus.SCHEDULED)
    resident, basis = access.get_resident(request.user, check_in.resident.person_id)
    form = forms.CheckInOutcomeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        warning = services.complete_check_in(
            check_in,
            request.user,
            status=form.cleaned_data["status"],
            note=form.cleaned_data["note"],
            path=request.path,
        )
        messages.info(request, "Check-in recorded.")
        if warning:
            messages.warning(
                request,
                f"{resident.name} has been contacted by {len(warning)} organisations this week: {', '.join(warning)}. "
                "Agree who keeps in touch.",
            )
        return redirect("care:check_ins", resident.person_id)
    audit_view(request, resident, basis, "Opened check-in outcome form")
    return render(
        request,
        "care/form_page.jinja",
        {
            "resident": resident,
            "form": form,
            "title": f"Check-in with {resident.name}",
            "submit_label": "Save",
            "lede": f"Due {check_in.due_on:%-d %B %Y}, by {check_in.organisation.name}.",
            "back": ("care:check_ins", resident.person_id),
        },
    )
