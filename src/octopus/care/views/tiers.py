"""A resident's care tier."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import render
from django.views.decorators.http import require_http_methods

from octopus.accounts.permissions import require
from octopus.core.forms import apply_service_errors
from octopus.governance import access

from .. import forms, services
from .common import audit_view, to_record


@require_http_methods(["GET", "POST"])
@require("hold_caseload")
def tier(request, person_id: str):
    resident, basis = access.get_resident(request.user, person_id)
    current = services.current_tier(resident)
    form = forms.TierForm(request.POST or None, initial={"tier": current.tier if current else None})
    if request.method == "POST" and form.is_valid():
        try:
            assignment = services.set_tier(
                resident, form.cleaned_data["tier"], form.cleaned_data["reason"], request.user, path=request.path
            )
            messages.info(request, f"{resident.name} is now in the {assignment.get_tier_display()} tier.")
            return to_record(resident)
        except ValidationError as error:
            apply_service_errors(form, error)
    audit_view(request, resident, basis, "Opened tier form")
    return render(
        request,
        "care/form_page.jinja",
        {
            "resident": resident,
            "form": form,
            "title": f"Change {resident.name}'s tier",
            "submit_label": "Save tier",
            "lede": f"Now: {current.get_tier_display()}." if current else "Not in a tier yet.",
        },
    )
