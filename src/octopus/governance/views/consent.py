"""Consent, objections and contact preferences on the resident's record: the panel and recording
each."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST

from octopus.accounts.permissions import require

from .. import access, consent
from ..forms import ConsentForm, ContactPreferenceForm, ObjectionForm
from ..presenters import consent_panel_context
from .common import record_url


@require("view_residents")
@require_GET
def consent_panel(request, person_id: str):
    resident, basis = access.open_record(request, person_id, "Viewed consent and contact preferences")
    return render(
        request,
        "governance/consent_panel_page.jinja" if not request.htmx else "governance/consent_panel.jinja",
        consent_panel_context(request.user, resident),
    )


@require("view_residents")
@require_POST
def consent_record(request, person_id: str):
    resident, basis = access.get_resident(request.user, person_id)
    which = request.POST.get("form", "consent")
    form_class = {"consent": ConsentForm, "objection": ObjectionForm, "preference": ContactPreferenceForm}.get(which)
    if form_class is None:
        raise PermissionDenied("Unknown form.")
    form = form_class(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        try:
            if which == "consent":
                consent.record_consent(actor=request.user, resident=resident, path=request.path, **data)
            elif which == "objection":
                consent.record_objection(actor=request.user, resident=resident, path=request.path, **data)
            else:
                consent.record_contact_preference(actor=request.user, resident=resident, path=request.path, **data)
        except ValidationError as error:
            for field, errors in error.message_dict.items():
                form.add_error(field if field in form.fields else None, errors)
        else:
            if not request.htmx:
                messages.success(request, "Recorded.")
                return redirect(record_url(person_id) or reverse("governance:consent-panel", args=[person_id]))
            return render(
                request, "governance/consent_panel.jinja", consent_panel_context(request.user, resident, saved=which)
            )
    context = consent_panel_context(request.user, resident, forms={which: form})
    return render(
        request,
        "governance/consent_panel.jinja" if request.htmx else "governance/consent_panel_page.jinja",
        context,
        status=200 if request.htmx else 400,
    )
