"""Referrals and warm introductions: sending one, the list, one referral, and the receiver's and
sender's actions on it."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_http_methods

from octopus.accounts.permissions import require
from octopus.core.forms import apply_service_errors
from octopus.governance import access, audit

from .. import forms, queries, services
from ..models import Referral
from ..services.referrals import is_receiver
from .common import audit_view


@require_http_methods(["GET", "POST"])
@require("refer")
def refer(request, person_id: str):
    resident, basis = access.get_resident(request.user, person_id)
    initial = {"to_practitioner": request.GET.get("practitioner"), "to_team": request.GET.get("team")}
    form = forms.ReferralForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            referral = services.send_referral(resident, request.user, path=request.path, **form.cleaned_data)
            messages.info(
                request,
                f"{'Introduction' if referral.is_introduction else 'Referral'} sent to {referral.recipient_label}.",
            )
            return redirect("care:referral", referral.pk)
        except ValidationError as error:
            apply_service_errors(form, error)
    audit_view(request, resident, basis, "Opened referral form")
    return render(request, "care/refer.jinja", {"resident": resident, "form": form})


@require_http_methods(["GET"])
@require("view_residents")
def referrals(request):
    context = queries.referrals_for(request.user)
    audit.record(request.user, "view", "Viewed referrals and introductions", path=request.path)
    return render(request, "care/referrals.jinja", context)


def _referral_for(request, referral_id: int):
    referrals = access.scoped(
        request.user,
        Referral.objects.select_related("resident", "to_team__organisation", "to_practitioner", "sender", "owner"),
    )
    referral = get_object_or_404(referrals, pk=referral_id)
    resident, basis = access.get_resident(request.user, referral.resident.person_id)
    return referral, resident, basis


@require_http_methods(["GET"])
@require("view_residents")
def referral(request, referral_id: int):
    referral, resident, basis = _referral_for(request, referral_id)
    audit_view(request, resident, basis, f"Viewed {referral}")
    return render(
        request,
        "care/referral.jinja",
        {
            "referral": referral,
            "resident": resident,
            "events": referral.events.select_related("actor"),
            "actions": services.actions_for(referral, request.user),
            "responsiveness": services.responsiveness(referral.to_team),
            "receiver": is_receiver(referral, request.user),
        },
    )


# form, page title, button, and what the page says once it is done ({name}: the resident).
TRANSITION_FORMS = {
    "accept": (forms.NoteForm, "Accept", "Accept and take on", "Accepted: {name} is on your caseload."),
    "first_contact": (
        forms.NoteForm,
        "Record first contact",
        "Record first contact",
        "First contact with {name} recorded.",
    ),
    "complete": (forms.NoteForm, "Mark as completed", "Mark as completed", "Marked as completed."),
    "decline": (forms.DeclineForm, "Decline", "Decline", "Declined; the sender has been told why."),
    "redirect": (forms.RedirectForm, "Redirect", "Redirect", "Passed on; the sender has been told where."),
    "close": (forms.CloseReferralForm, "Close", "Close", "Closed."),
}


@require_http_methods(["GET", "POST"])
@require("view_residents")
def referral_action(request, referral_id: int, action: str):
    if action not in TRANSITION_FORMS:
        raise PermissionDenied("Unknown action.")
    referral, resident, basis = _referral_for(request, referral_id)
    if action not in services.actions_for(referral, request.user):
        raise PermissionDenied("You cannot do that with this referral now.")
    form_class, title, button, done = TRANSITION_FORMS[action]
    form = form_class(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            if action == "accept":
                services.accept(referral, request.user, data["note"], path=request.path)
            elif action == "first_contact":
                services.record_first_contact(referral, request.user, data["note"], path=request.path)
            elif action == "complete":
                services.complete(referral, request.user, data["note"], path=request.path)
            elif action == "decline":
                services.decline(referral, request.user, data["reason"], path=request.path)
            elif action == "redirect":
                services.redirect(
                    referral,
                    request.user,
                    to_team=data["to_team"],
                    to_practitioner=data["to_practitioner"],
                    note=data["note"],
                    path=request.path,
                )
            else:
                services.close(referral, request.user, data["note"], path=request.path)
            messages.info(request, done.format(name=resident.name))
            return redirect("care:referral", referral.pk)
        except ValidationError as error:
            apply_service_errors(form, error)
    audit_view(request, resident, basis, f"Opened {action} form for {referral}")
    return render(
        request,
        "care/form_page.jinja",
        {
            "resident": resident,
            "form": form,
            "title": f"{title}: {referral}",
            "submit_label": button,
            "back": ("care:referral", referral.pk),
        },
    )
