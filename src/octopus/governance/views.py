"""The governance pages: break glass, the IG lead's audit pages, consent and preferences, 2FA."""

import base64
import csv
import io

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from octopus.accounts.permissions import require
from octopus.residents.models import Resident

from . import access, audit, checkpoints, consent
from .forms import (
    AccessDecisionForm,
    AuditSearchForm,
    BreakGlassForm,
    BreakGlassReviewForm,
    ConsentForm,
    ContactPreferenceForm,
    ObjectionForm,
    SubjectAccessForm,
)
from .models import AuditEvent, BreakGlassAccess
from .presenters import consent_panel_context, subject_access_rows


def _safe_next(request) -> str | None:
    target = request.POST.get("next") or request.GET.get("next")
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return None


def _record_url(person_id: str) -> str | None:
    try:
        return reverse("residents:record", args=[person_id])
    except NoReverseMatch:
        return None


# --- break glass ---------------------------------------------------------------------------


@require("view_residents")
@require_http_methods(["GET", "POST"])
def break_glass(request, person_id: str):
    # Before a grant, show nothing about the resident beyond whether the id exists.
    resident = Resident.objects.filter(person_id=person_id).first()
    existing = access.basis_for(request.user, resident) if resident else None
    destination = _safe_next(request) or _record_url(person_id)
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
            "next": _safe_next(request) or "",
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


# --- access approvals (separation of duties, decision 0020) ----------------------------------


@require("approve_access")
@require_GET
def access_approvals(request):
    from octopus.accounts.models import MembershipGrant

    show = request.GET.get("show", "pending")
    grants = MembershipGrant.objects.select_related("user", "team__organisation", "requested_by", "decided_by")
    if not request.user.has_capability("review_audit"):
        grants = grants.filter(team_id__in=request.user.team_ids)  # a team manager sees their own teams
    if show != "all":
        grants = grants.filter(status=MembershipGrant.Status.PENDING)
    page = Paginator(grants, 25).get_page(request.GET.get("page"))
    return render(
        request, "governance/access_approvals.jinja", {"page": page, "show": show, "form": AccessDecisionForm()}
    )


@require("approve_access")
@require_POST
def access_approval_decide(request, grant_id: int):
    from octopus.accounts import services as account_services
    from octopus.accounts.models import MembershipGrant

    grant = get_object_or_404(MembershipGrant.objects.select_related("user", "team"), pk=grant_id)
    form = AccessDecisionForm(request.POST)
    if form.is_valid():
        try:
            if form.cleaned_data["decision"] == "approve":
                account_services.approve_grant(
                    actor=request.user, grant=grant, note=form.cleaned_data["note"], path=request.path
                )
                messages.success(
                    request, f"Approved: {grant.user.username} is now {grant.get_role_display()} in {grant.team.name}."
                )
            else:
                account_services.refuse_grant(
                    actor=request.user, grant=grant, note=form.cleaned_data["note"], path=request.path
                )
                messages.success(request, f"Refused access for {grant.user.username}.")
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
    else:
        messages.error(request, "Choose approve or refuse.")
    return redirect("governance:access-approvals")


# --- the audit log -----------------------------------------------------------------------------


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


@require("review_audit")
@require_GET
def subject_access(request):
    form = SubjectAccessForm(request.GET or None)
    candidates = None
    if form.is_bound and form.is_valid():
        candidates = list(form.matches().order_by("family_name", "given_name", "person_id")[:20])
        how = "NHS number" if form.cleaned_data["nhs_number"] else "name and date of birth"
        if len(candidates) == 1:
            audit.record_request(
                request,
                "search",
                f"Subject access request: found the resident by {how}",
                resident_id=candidates[0].person_id,
            )
            return redirect("governance:subject-access-report", person_id=candidates[0].person_id)
        audit.record_request(request, "search", f"Subject access request: searched by {how}, {len(candidates)} matches")
        if candidates:
            audit.record_appearances(
                request.user,
                "Listed as a possible match for a subject access request",
                [resident.person_id for resident in candidates],
                path=request.path,
            )
    return render(request, "governance/subject_access.jinja", {"form": form, "candidates": candidates})


@require("review_audit")
@require_GET
def subject_access_report(request, person_id: str):
    rows = subject_access_rows(person_id)
    audit.record_request(request, "view", "Subject access report: who looked at this record", resident_id=person_id)
    resident = Resident.objects.filter(person_id=person_id).first()
    return render(
        request,
        "governance/subject_access_report.jinja",
        {"person_id": person_id, "rows": rows, "exists": resident is not None, "resident": resident},
    )


@require("review_audit")
@require_GET
def subject_access_csv(request, person_id: str):
    rows = subject_access_rows(person_id)
    audit.record_request(request, "export", "Subject access report downloaded (CSV)", resident_id=person_id)
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="who-looked-at-{person_id}.csv"'
    writer = csv.writer(response)
    writer.writerow(["When", "Who", "Role and organisation", "What they did", "Why they had access"])
    for row in rows:
        writer.writerow([row.when.isoformat(), row.who, row.role, _csv_safe(row.what), _csv_safe(row.why)])
    return response


def _csv_safe(value: str) -> str:
    # A cell starting with = + - @ runs as a formula in spreadsheet software (CSV injection).
    return "'" + value if value[:1] in ("=", "+", "-", "@", "\t", "\r") else value


# --- consent, objections and contact preferences on the resident's record -------------------


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
                return redirect(_record_url(person_id) or reverse("governance:consent-panel", args=[person_id]))
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


# --- two-factor authentication ------------------------------------------------------------


def _qr_data_uri(text: str) -> str:
    import qrcode
    import qrcode.image.svg

    image = qrcode.make(text, image_factory=qrcode.image.svg.SvgPathImage, box_size=12)
    buffer = io.BytesIO()
    image.save(buffer)
    return "data:image/svg+xml;base64," + base64.b64encode(buffer.getvalue()).decode()


@require_http_methods(["GET", "POST"])
def two_factor_setup(request):
    from django_otp import login as otp_login
    from django_otp.plugins.otp_totp.models import TOTPDevice

    device = TOTPDevice.objects.filter(user=request.user, confirmed=False).first() or TOTPDevice.objects.create(
        user=request.user, name="Authenticator app", confirmed=False
    )
    error = ""
    if request.method == "POST":
        if device.verify_token(request.POST.get("token", "").strip().replace(" ", "")):
            device.confirmed = True
            device.save(update_fields=["confirmed"])
            TOTPDevice.objects.filter(user=request.user, confirmed=False).delete()
            otp_login(request, device)
            audit.record_request(request, "change", "Set up a second factor (authenticator app)")
            messages.success(request, "Your authenticator app is set up.")
            return redirect(_safe_next(request) or "home")
        error = "That code did not match. Check the time on your phone is correct and enter the newest code."
    return render(
        request,
        "governance/two_factor_setup.jinja",
        {
            "qr": _qr_data_uri(device.config_url),
            "secret": base64.b32encode(device.bin_key).decode().rstrip("="),
            "error": error,
            "next": _safe_next(request) or "",
        },
    )


@require_http_methods(["GET", "POST"])
def two_factor_verify(request):
    from django_otp import devices_for_user
    from django_otp import login as otp_login

    error = ""
    if request.method == "POST":
        token = request.POST.get("token", "").strip().replace(" ", "")
        for device in devices_for_user(request.user, confirmed=True):
            if device.verify_token(token):
                otp_login(request, device)
                return redirect(_safe_next(request) or "home")
        audit.record_request(request, "sign_in_failed", "Wrong second-factor code")
        error = "That code did not match. Enter the newest code from your authenticator app."
    return render(request, "governance/two_factor_verify.jinja", {"error": error, "next": _safe_next(request) or ""})
