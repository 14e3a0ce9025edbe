"""The care plan: actions, editing under a version check, the advance care plan, and the
FHIR and printed copies."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST

from octopus.accounts.permissions import require
from octopus.core.forms import apply_service_errors
from octopus.governance import access, audit
from octopus.residents import fields

from .. import forms, services
from ..fhir import care_plan_json
from ..models import CarePlan, CarePlanAction
from ..models.plan import ActionStatus
from .common import audit_view


@require_http_methods(["GET", "POST"])
@require("view_residents")
def plan(request, person_id: str):
    resident, basis = access.get_resident(request.user, person_id)
    plan = (
        access.scoped(request.user, CarePlan.objects)
        .filter(resident=resident)
        .select_related("lead_professional")
        .first()
    )
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
    audit_view(request, resident, basis, "Viewed care plan")
    clinical = access.may_see_clinical_detail(request.user, resident)
    return render(
        request,
        "care/plan.jinja",
        {
            "resident": resident,
            "plan": plan,
            "form": action_form,
            "today": timezone.localdate(),
            "clinical": clinical,
            "advance_care": getattr(plan, "advance_care", None) if plan else None,
            "actions": plan.actions.select_related("owner") if plan else [],
            "versions": plan.versions.select_related("changed_by")[:20] if plan else [],
            "status_choices": ActionStatus.choices,
        },
    )


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
                    plan,
                    request.user,
                    expected_version=form.cleaned_data["version"],
                    what_matters=form.cleaned_data["what_matters"],
                    goals=form.goal_list(),
                    needs=form.needs(),
                    lead_professional=form.cleaned_data["lead_professional"],
                    review_date=form.cleaned_data["review_date"],
                    path=request.path,
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
    audit_view(request, resident, basis, "Opened care plan for editing")
    return render(
        request,
        "care/plan_edit.jinja",
        {"resident": resident, "plan": conflict.current if conflict else plan, "form": form, "conflict": conflict},
    )


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
    audit_view(request, resident, basis, "Opened the advance care plan for editing")
    return render(
        request,
        "care/form_page.jinja",
        {
            "resident": resident,
            "form": form,
            "title": "Advance care plan",
            "back": ("care:plan", resident.person_id),
            "lede": (
                "ReSPECT-style recommendations for a future emergency in which the resident cannot say what they "
                "want: the CPR recommendation, the focus of care, ceilings of treatment, where they would prefer to "
                "be cared for and to die, and who agreed them."
            ),
            "submit_label": "Save the advance care plan",
        },
    )


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
    audit.record(
        request.user,
        "export",
        "Exported care plan as FHIR CarePlan",
        resident_id=resident.person_id,
        obj=plan,
        basis=basis,
        path=request.path,
    )
    response = HttpResponse(body, content_type="application/fhir+json")
    response["Content-Disposition"] = f'attachment; filename="careplan-{resident.person_id}-v{plan.version}.json"'
    return response


@require_http_methods(["GET"])
@require("view_residents")
def plan_print(request, person_id: str):
    opened = access.record_for(request.user, person_id)
    resident = opened.resident
    plan = get_object_or_404(
        access.scoped(request.user, CarePlan.objects.select_related("lead_professional")), resident=resident
    )
    audit.record(
        request.user,
        "export",
        "Printed care plan",
        resident_id=resident.person_id,
        obj=plan,
        basis=opened.basis,
        path=request.path,
    )
    return render(
        request,
        "care/plan_print.jinja",
        {
            "resident": fields.present(resident, opened.scope),
            "plan": plan,
            "actions": plan.actions.select_related("owner"),
            "printed_at": timezone.now(),
        },
    )
