"""Care coordination pages. Residents come only from ``governance.access``; each page showing
identifiable data is audited once ("view"), and each change by the service that makes it."""


from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST

from octopus.accounts.permissions import require
from octopus.core.formatting import plural
from octopus.core.forms import apply_service_errors
from octopus.governance import access, audit
from octopus.residents import fields

from . import forms, queries, services
from .fhir import care_plan_json
from .models import CarePlan, CarePlanAction, CareTier, Case, CheckIn, CheckInStatus, Referral
from .models.plan import ActionStatus
from .services.referrals import is_receiver


def _audit_view(request, resident, basis, summary):
    audit.record(request.user, "view", summary, resident_id=resident.person_id, basis=basis, path=request.path)


def _record(resident):
    return redirect("residents:record", resident.person_id)


# Caseload and inbox ------------------------------------------------------

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
    audit.record(request.user, "view", f"Viewed caseload ({counts['open']} residents)", path=request.path)
    audit.record_appearances(request.user, "Listed on the caseload page", [case.resident.person_id for case in page],
                             path=request.path, basis="caseload")
    clinical_sorts = [("band", "Risk"), ("segment", "Segment")] if clinical_list else []
    return render(request, "care/caseload.jinja", {
        "page": page, "counts": counts, "params": params, "filters": queries.caseload_filters(request.user),
        "teams": request.user.memberships.select_related("team"), "tiers": CareTier.choices,
        "sorts": [("review", "Next review due"), ("overdue", "Overdue actions"), ("last_contact", "Last contact"),
                  *clinical_sorts, ("name", "Name")],
        "today": timezone.localdate(), "clinical_list": clinical_list,
        "clinical_ids": _clinical_ids(request.user, [case.resident for case in page]),
    })


def _clinical_ids(user, residents) -> set[int]:
    """Which of a list's residents this user sees in the full scope (VCSE consent is per resident)."""
    return {pk for pk, scope in access.scopes_for(user, residents).items() if scope == access.FULL}


@require_http_methods(["GET"])
@require("view_residents")
def inbox(request):
    context = queries.inbox(request.user)
    audit.record(request.user, "view", "Viewed task inbox", path=request.path)
    return render(request, "care/inbox.jinja", context)


@require_POST
@require("view_residents")
def task_done(request, task_id: int):
    task = get_object_or_404(request.user.tasks, pk=task_id)
    services.complete_task(task, request.user, path=request.path)
    messages.info(request, f"Done: {task.title}")
    return redirect("care:inbox")


@require_http_methods(["GET"])
@require("hold_caseload")
def rising_risk(request):
    """Superseded by the case-finding rising-risk list (decision 0022); kept for bookmarks."""
    return redirect("casefinding:list", "rising-risk")


# Cases ----------------------------------------------------------------------------------------

@require_http_methods(["GET", "POST"])
@require("hold_caseload")
def add_case(request, person_id: str):
    resident, basis = access.get_resident(request.user, person_id)
    form = forms.AddCaseForm(request.POST or None, user=request.user, initial={"source": request.GET.get("source", "search")})
    if request.method == "POST" and form.is_valid():
        try:
            services.open_case(resident, form.cleaned_data["team"], request.user, source=form.cleaned_data["source"],
                               holder=form.cleaned_data["holder"], next_review_due=form.cleaned_data["next_review_due"], path=request.path)
            messages.info(request, f"{resident.name} is on the {form.cleaned_data['team'].name} caseload.")
            return _record(resident)
        except ValidationError as error:
            apply_service_errors(form, error)
    _audit_view(request, resident, basis, "Opened add-to-caseload form")
    return render(request, "care/form_page.jinja", {"resident": resident, "form": form, "title": f"Add {resident.name} to a caseload", "submit_label": "Add to caseload"})


@require_http_methods(["GET", "POST"])
@require("hold_caseload")
def close_case(request, case_id: int):
    case = get_object_or_404(access.scoped(request.user, Case.objects.select_related("team", "resident")), pk=case_id, closed_at__isnull=True)
    resident, basis = access.get_resident(request.user, case.resident.person_id)
    if case.team_id not in request.user.team_ids and case.holder_id != request.user.pk:
        raise PermissionDenied("Only the team holding a case can close it.")
    form = forms.CloseCaseForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        services.close_case(case, request.user, form.cleaned_data["outcome"], form.cleaned_data["note"], path=request.path)
        messages.info(request, f"Case closed: {resident.name} is no longer on the {case.team.name} caseload.")
        return redirect("care:caseload")
    _audit_view(request, resident, basis, "Opened close-case form")
    return render(request, "care/form_page.jinja", {"resident": resident, "form": form, "title": f"Close {resident.name}'s case on {case.team.name}", "submit_label": "Close case"})


# Referrals and introductions ---------------------------------------------------------------------

@require_http_methods(["GET", "POST"])
@require("refer")
def refer(request, person_id: str):
    resident, basis = access.get_resident(request.user, person_id)
    initial = {"to_practitioner": request.GET.get("practitioner"), "to_team": request.GET.get("team")}
    form = forms.ReferralForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            referral = services.send_referral(resident, request.user, path=request.path, **form.cleaned_data)
            messages.info(request, f"{'Introduction' if referral.is_introduction else 'Referral'} sent to {referral.recipient_label}.")
            return redirect("care:referral", referral.pk)
        except ValidationError as error:
            apply_service_errors(form, error)
    _audit_view(request, resident, basis, "Opened referral form")
    return render(request, "care/refer.jinja", {"resident": resident, "form": form})


@require_http_methods(["GET"])
@require("view_residents")
def referrals(request):
    context = queries.referrals_for(request.user)
    audit.record(request.user, "view", "Viewed referrals and introductions", path=request.path)
    return render(request, "care/referrals.jinja", context)


def _referral_for(request, referral_id: int):
    referrals = access.scoped(request.user, Referral.objects.select_related("resident", "to_team__organisation", "to_practitioner", "sender", "owner"))
    referral = get_object_or_404(referrals, pk=referral_id)
    resident, basis = access.get_resident(request.user, referral.resident.person_id)
    return referral, resident, basis


@require_http_methods(["GET"])
@require("view_residents")
def referral(request, referral_id: int):
    referral, resident, basis = _referral_for(request, referral_id)
    _audit_view(request, resident, basis, f"Viewed {referral}")
    return render(request, "care/referral.jinja", {
        "referral": referral, "resident": resident, "events": referral.events.select_related("actor"),
        "actions": services.actions_for(referral, request.user), "responsiveness": services.responsiveness(referral.to_team),
        "receiver": is_receiver(referral, request.user),
    })


# form, page title, button, and what the page says once it is done ({name}: the resident).
TRANSITION_FORMS = {
    "accept": (forms.NoteForm, "Accept", "Accept and take on", "Accepted: {name} is on your caseload."),
    "first_contact": (forms.NoteForm, "Record first contact", "Record first contact", "First contact with {name} recorded."),
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
                services.redirect(referral, request.user, to_team=data["to_team"], to_practitioner=data["to_practitioner"], note=data["note"], path=request.path)
            else:
                services.close(referral, request.user, data["note"], path=request.path)
            messages.info(request, done.format(name=resident.name))
            return redirect("care:referral", referral.pk)
        except ValidationError as error:
            apply_service_errors(form, error)
    _audit_view(request, resident, basis, f"Opened {action} form for {referral}")
    return render(request, "care/form_page.jinja", {"resident": resident, "form": form, "title": f"{title}: {referral}", "submit_label": button,
                                                     "back": ("care:referral", referral.pk)})


# Care plan -------------------------------------------------------------------------------------------

@require_http_methods(["GET", "POST"])
@require("view_residents")
def plan(request, person_id: str):
    resident, basis = access.get_resident(request.user, person_id)
    plan = access.scoped(request.user, CarePlan.objects).filter(resident=resident).select_related("lead_professional").first()
    action_form = forms.ActionForm(request.POST or None)
    if request.method == "POST":
        if not request.user.has_capability("hold_caseload"):
            raise PermissionDenied("Adding care plan actions needs the 'hold_caseload' capability.")
        plan = plan or services.start_plan(resident, request.user, path=request.path)
        if action_form.is_valid():
            try:
                services.add_action(plan, request.user, path=request.path, **action_form.cleaned_data)
                messages.info(request, "Action added.")
                return redirect("care:plan", resident.person_id)
            except ValidationError as error:
                apply_service_errors(action_form, error)
    _audit_view(request, resident, basis, "Viewed care plan")
    clinical = access.may_see_clinical_detail(request.user, resident)
    return render(request, "care/plan.jinja", {
        "resident": resident, "plan": plan, "form": action_form, "today": timezone.localdate(),
        "clinical": clinical, "advance_care": getattr(plan, "advance_care", None) if plan else None,
        "actions": plan.actions.select_related("owner") if plan else [],
        "versions": plan.versions.select_related("changed_by")[:20] if plan else [],
        "status_choices": ActionStatus.choices,
    })


@require_http_methods(["GET", "POST"])
@require("hold_caseload")
def plan_edit(request, person_id: str):
    resident, basis = access.get_resident(request.user, person_id)
    if resident.is_deceased:
        raise PermissionDenied("The resident has died; their care plan is closed.")
    plan = access.scoped(request.user, CarePlan.objects).filter(resident=resident).first()
    conflict = None
    if request.method == "POST":
        plan = plan or services.start_plan(resident, request.user, path=request.path)
        form = forms.CarePlanForm(request.POST)
        if form.is_valid():
            try:
                services.save_plan(
                    plan, request.user, expected_version=form.cleaned_data["version"], what_matters=form.cleaned_data["what_matters"],
                    goals=form.goal_list(), needs=form.needs(), lead_professional=form.cleaned_data["lead_professional"],
                    review_date=form.cleaned_data["review_date"], path=request.path,
                )
                messages.info(request, "Care plan saved.")
                return redirect("care:plan", resident.person_id)
            except services.PlanConflict as error:
                conflict = error
                # Keep the user's words in the form, but let the next save go over the latest version
                # now that the user has been shown it.
                data = request.POST.copy()
                data["version"] = str(error.current.version)
                form = forms.CarePlanForm(data)
                form.is_valid()
    else:
        # A new plan starts at version 1 (start_plan), so an edit of "no plan yet" begins there.
        initial = forms.CarePlanForm.initial_for(plan) if plan else {"version": 1}
        form = forms.CarePlanForm(initial=initial)
    _audit_view(request, resident, basis, "Opened care plan for editing")
    return render(request, "care/plan_edit.jinja", {"resident": resident, "plan": conflict.current if conflict else plan, "form": form, "conflict": conflict})


@require_http_methods(["GET", "POST"])
@require("hold_caseload")
def advance_care(request, person_id: str):
    """Record or change the advance care plan (ReSPECT-style). Clinical detail: only a scope
    that may see it may open this page."""
    resident, basis = access.get_resident(request.user, person_id)
    if not access.may_see_clinical_detail(request.user, resident):
        raise PermissionDenied("The advance care plan is clinical detail, which your access does not include.")
    if resident.is_deceased:
        raise PermissionDenied("The resident has died; their care plan is closed.")
    plan = access.scoped(request.user, CarePlan.objects).filter(resident=resident).first()
    current = getattr(plan, "advance_care", None) if plan else None
    form = forms.AdvanceCarePlanForm(request.POST or None, instance=current)
    if request.method == "POST" and form.is_valid():
        plan = plan or services.start_plan(resident, request.user, path=request.path)
        values = {name: form.cleaned_data[name] for name in form.Meta.fields}
        try:
            services.record_advance_care_plan(plan, request.user, path=request.path, **values)
            messages.info(request, "Advance care plan saved.")
            return redirect("care:plan", resident.person_id)
        except ValidationError as error:
            apply_service_errors(form, error)
    _audit_view(request, resident, basis, "Opened the advance care plan for editing")
    return render(request, "care/form_page.jinja", {
        "resident": resident, "form": form, "title": "Advance care plan", "back": ("care:plan", resident.person_id),
        "lede": "ReSPECT-style recommendations for a future emergency in which the resident cannot say what they "
                "want: the CPR recommendation, the focus of care, ceilings of treatment, where they would prefer to "
                "be cared for and to die, and who agreed them.",
        "submit_label": "Save the advance care plan",
    })


@require_POST
@require("hold_caseload")
def action_status(request, action_id: int):
    actions = access.scoped(request.user, CarePlanAction.objects.select_related("plan__resident"), via="plan__resident")
    action = get_object_or_404(actions, pk=action_id)
    resident, _ = access.get_resident(request.user, action.plan.resident.person_id)
    form = forms.ActionStatusForm(request.POST)
    if form.is_valid():
        services.set_action_status(action, request.user, form.cleaned_data["status"], path=request.path)
        messages.info(request, f"Action marked {action.get_status_display().lower()}.")
    return redirect("care:plan", resident.person_id)


@require_http_methods(["GET"])
@require("view_residents")
def plan_fhir(request, person_id: str):
    resident, basis = access.get_resident(request.user, person_id)
    plan = get_object_or_404(access.scoped(request.user, CarePlan.objects), resident=resident)
    body = care_plan_json(plan, clinical=access.may_see_clinical_detail(request.user, resident))
    audit.record(request.user, "export", "Exported care plan as FHIR CarePlan", resident_id=resident.person_id, obj=plan, basis=basis, path=request.path)
    response = HttpResponse(body, content_type="application/fhir+json")
    response["Content-Disposition"] = f'attachment; filename="careplan-{resident.person_id}-v{plan.version}.json"'
    return response


@require_http_methods(["GET"])
@require("view_residents")
def plan_print(request, person_id: str):
    opened = access.record_for(request.user, person_id)
    resident = opened.resident
    plan = get_object_or_404(access.scoped(request.user, CarePlan.objects.select_related("lead_professional")), resident=resident)
    audit.record(request.user, "export", "Printed care plan", resident_id=resident.person_id, obj=plan, basis=opened.basis, path=request.path)
    return render(request, "care/plan_print.jinja", {
        "resident": fields.present(resident, opened.scope), "plan": plan, "actions": plan.actions.select_related("owner"),
        "printed_at": timezone.now(),
    })


# Tiers, check-ins, death ---------------------------------------------------------------------------

@require_http_methods(["GET", "POST"])
@require("hold_caseload")
def tier(request, person_id: str):
    resident, basis = access.get_resident(request.user, person_id)
    current = services.current_tier(resident)
    form = forms.TierForm(request.POST or None, initial={"tier": current.tier if current else None})
    if request.method == "POST" and form.is_valid():
        try:
            assignment = services.set_tier(resident, form.cleaned_data["tier"], form.cleaned_data["reason"], request.user, path=request.path)
            messages.info(request, f"{resident.name} is now in the {assignment.get_tier_display()} tier.")
            return _record(resident)
        except ValidationError as error:
            apply_service_errors(form, error)
    _audit_view(request, resident, basis, "Opened tier form")
    return render(request, "care/form_page.jinja", {
        "resident": resident, "form": form, "title": f"Change {resident.name}'s tier", "submit_label": "Save tier",
        "lede": f"Now: {current.get_tier_display()}." if current else "Not in a tier yet.",
    })


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
    _audit_view(request, resident, basis, "Viewed check-ins")
    return render(request, "care/check_ins.jinja", {
        "resident": resident, "form": form,
        "check_ins": access.scoped(request.user, CheckIn.objects).filter(resident=resident)
        .select_related("organisation", "assignee").order_by("-due_on")[:40],
        "warning": services.organisations_contacting(resident),
    })


@require_http_methods(["GET", "POST"])
@require("hold_caseload")
def check_in_complete(request, check_in_id: int):
    check_ins = access.scoped(request.user, CheckIn.objects.select_related("resident", "organisation"))
    check_in = get_object_or_404(check_ins, pk=check_in_id, status=CheckInStatus.SCHEDULED)
    resident, basis = access.get_resident(request.user, check_in.resident.person_id)
    form = forms.CheckInOutcomeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        warning = services.complete_check_in(check_in, request.user, status=form.cleaned_data["status"], note=form.cleaned_data["note"], path=request.path)
        messages.info(request, "Check-in recorded.")
        if warning:
            messages.warning(request, f"{resident.name} has been contacted by {len(warning)} organisations this week: {', '.join(warning)}. Agree who keeps in touch.")
        return redirect("care:check_ins", resident.person_id)
    _audit_view(request, resident, basis, "Opened check-in outcome form")
    return render(request, "care/form_page.jinja", {
        "resident": resident, "form": form, "title": f"Check-in with {resident.name}", "submit_label": "Save",
        "lede": f"Due {check_in.due_on:%-d %B %Y}, by {check_in.organisation.name}.", "back": ("care:check_ins", resident.person_id),
    })


@require_http_methods(["GET", "POST"])
@require("hold_caseload")
def death(request, person_id: str):
    resident, basis = access.get_resident(request.user, person_id)
    form = forms.DeathForm(request.POST or None, initial={"date_of_death": timezone.localdate()})
    if request.method == "POST" and form.is_valid():
        outcome = services.record_death(resident, form.cleaned_data["date_of_death"], form.cleaned_data["source"], request.user, path=request.path)
        messages.info(request, (
            f"Death recorded. {plural(outcome.check_ins_stopped, 'scheduled check-in')} stopped, {plural(outcome.cases_closed, 'case')} closed"
            + (f"; {outcome.bereavement_task_for} has a task to contact the family." if outcome.bereavement_task_for else ".")
        ))
        return _record(resident)
    _audit_view(request, resident, basis, "Opened record-a-death form")
    return render(request, "care/form_page.jinja", {
        "resident": resident, "form": form, "title": f"Record the death of {resident.name}", "submit_label": "Record death",
        "lede": "All scheduled check-ins stop at once, open cases close with the outcome 'died', and the lead professional gets a task to contact the family.",
    })


