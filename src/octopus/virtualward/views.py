"""Virtual ward pages. Residents come only from ``governance.access``; each page showing
identifiable data is audited once, and each change by the service that makes it. NEWS2 is
clinical detail: every page needs ``view_clinical_detail`` and the full scope of the record."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_http_methods, require_POST

from octopus.accounts.permissions import require
from octopus.core.forms import apply_service_errors
from octopus.governance import access, audit

from . import forms, news2, queries, services
from .models import Admission, Alert, ObservationSource

FULL_ONLY = frozenset({access.FULL})


def _apply_errors(form, error):
    if isinstance(error, services.ObservationError):
        form.add_error(error.field if error.field in form.fields else None, str(error))
    else:
        apply_service_errors(form, error)


def _resident_in_full(request, person_id: str):
    resident, basis = access.get_resident(request.user, person_id)
    if not access.may_see_clinical_detail(request.user, resident):
        raise PermissionDenied(
            "The virtual ward shows clinical detail, which your access to this record does not include."
        )
    return resident, basis


def _admission(request, admission_id: int) -> tuple[Admission, str]:
    admission = get_object_or_404(
        access.scoped(request.user, Admission.objects.select_related("resident", "team")), pk=admission_id
    )
    if admission.team_id not in request.user.team_ids:
        raise PermissionDenied("Only the responsible team records on this virtual ward admission.")
    _resident, basis = _resident_in_full(request, admission.resident.person_id)
    return admission, basis


def _board_context(request):
    admissions = queries.board(request.user)
    audit.record_appearances(
        request.user,
        "Listed on the virtual ward board",
        [a.resident.person_id for a in admissions],
        path=request.path,
        basis="virtual_ward",
    )
    for admission in admissions:
        admission.spark = queries.sparkline(admission.recent)
    return {
        "admissions": admissions,
        "labels": news2.LABELS,
        "outstanding": sum(len(a.outstanding) for a in admissions),
    }


@require_http_methods(["GET"])
@require("view_clinical_detail")
def board(request):
    audit.record(request.user, "view", "Viewed the virtual ward board", path=request.path)
    return render(request, "virtualward/board.jinja", _board_context(request))


@require_http_methods(["GET"])
@require("view_clinical_detail")
def board_rows(request):
    """The board's table alone, asked for every 15 s by htmx so new alerts appear without a reload."""
    return render(request, "virtualward/_board_table.jinja", _board_context(request))


@require_http_methods(["GET", "POST"])
@require("view_clinical_detail")
@require("hold_caseload")
def admit(request, person_id: str):
    resident, basis = _resident_in_full(request, person_id)
    form = forms.AdmitForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            services.admit(
                resident, form.cleaned_data.pop("team"), request.user, path=request.path, **form.cleaned_data
            )
            messages.info(request, f"{resident.name} is on the virtual ward.")
            return redirect("virtualward:board")
        except ValidationError as error:
            _apply_errors(form, error)
    audit.record(
        request.user,
        "view",
        "Opened the virtual ward admission form",
        resident_id=resident.person_id,
        basis=basis,
        path=request.path,
    )
    return render(
        request,
        "virtualward/form_page.jinja",
        {
            "resident": resident,
            "form": form,
            "title": f"Admit {resident.name} to the virtual ward",
            "submit_label": "Admit",
        },
    )


@require_http_methods(["GET", "POST"])
@require("view_clinical_detail")
def observe(request, admission_id: int):
    """The phone form: one set of observations, scored at once, refused naming the field at fault."""
    admission, basis = _admission(request, admission_id)
    form = forms.ObservationForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            recorded = services.record_observation(
                admission,
                form.cleaned_data,
                source=ObservationSource.FORM,
                recorded_by=request.user.username,
                actor=request.user,
                path=request.path,
            )
            messages.info(
                request,
                f"NEWS2 {recorded.score.total}: {recorded.score.risk.replace('-', '–')} risk. "
                f"{recorded.score.response}",
            )
            if recorded.alerts:
                messages.warning(request, f"Alert raised for {admission.team.name}: {recorded.alerts[0].summary}")
            return redirect("virtualward:board")
        except services.ObservationError as error:
            _apply_errors(form, error)
    audit.record(
        request.user,
        "view",
        "Opened the virtual ward observation form",
        resident_id=admission.resident.person_id,
        basis=basis,
        path=request.path,
    )
    scale = admission.get_spo2_scale_display()
    return render(
        request,
        "virtualward/form_page.jinja",
        {
            "resident": admission.resident,
            "form": form,
            "title": f"Observations for {admission.resident.name}",
            "submit_label": "Save and score",
            "lede": f"SpO2 {scale}.",
        },
    )


@require_http_methods(["GET", "POST"])
@require("view_clinical_detail")
def scale(request, admission_id: int):
    admission, basis = _admission(request, admission_id)
    form = forms.ScaleForm(request.POST or None, initial={"spo2_scale": admission.spo2_scale})
    if request.method == "POST" and form.is_valid():
        services.set_spo2_scale(admission, form.cleaned_data["spo2_scale"], request.user, path=request.path)
        messages.info(request, f"SpO2 scale for {admission.resident.name} recorded.")
        return redirect("virtualward:board")
    audit.record(
        request.user,
        "view",
        "Opened the SpO2 scale form",
        resident_id=admission.resident.person_id,
        basis=basis,
        path=request.path,
    )
    return render(
        request,
        "virtualward/form_page.jinja",
        {
            "resident": admission.resident,
            "form": form,
            "title": f"SpO2 scale for {admission.resident.name}",
            "submit_label": "Save",
            "lede": (
                f"Now {admission.get_spo2_scale_display()}, set by {admission.spo2_scale_set_by.display_name} "
                f"on {admission.spo2_scale_set_at:%-d %B %Y at %H:%M}."
            ),
        },
    )


@require_http_methods(["GET", "POST"])
@require("view_clinical_detail")
def discharge(request, admission_id: int):
    admission, basis = _admission(request, admission_id)
    form = forms.DischargeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        services.discharge(admission, request.user, form.cleaned_data["note"], path=request.path)
        messages.info(request, f"{admission.resident.name} has been discharged from the virtual ward.")
        return redirect("virtualward:board")
    audit.record(
        request.user,
        "view",
        "Opened the virtual ward discharge form",
        resident_id=admission.resident.person_id,
        basis=basis,
        path=request.path,
    )
    return render(
        request,
        "virtualward/form_page.jinja",
        {
            "resident": admission.resident,
            "form": form,
            "title": f"Discharge {admission.resident.name} from the virtual ward",
            "submit_label": "Discharge",
        },
    )


@require_POST
@require("view_clinical_detail")
def alert_action(request, alert_id: int, step: str):
    alert = get_object_or_404(
        access.scoped(request.user, Alert.objects.select_related("admission"), via="admission__resident"), pk=alert_id
    )
    _admission(request, alert.admission_id)
    form = forms.AlertNoteForm(request.POST)
    note = form.cleaned_data["note"] if form.is_valid() else ""
    if step == "acknowledge":
        services.acknowledge(alert, request.user, note, path=request.path)
        messages.info(request, "Alert acknowledged.")
    elif step == "action":
        try:
            services.action(alert, request.user, note, path=request.path)
            messages.info(request, "Alert actioned.")
        except ValidationError:
            messages.error(request, "Say what was done about the alert before marking it actioned.")
    else:
        raise PermissionDenied("Unknown alert step.")
    return redirect("virtualward:board")


@require_http_methods(["GET", "POST"])
@require("view_clinical_detail")
def upload(request):
    form = forms.UploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        uploaded = form.cleaned_data["file"]
        admissions = {a.resident.person_id: a for a in queries.board(request.user)}
        try:
            text = uploaded.read().decode("utf-8-sig")
            recorded = services.upload_csv(text, uploaded.name, admissions, request.user, path=request.path)
            alerts = sum(len(r.alerts) for r in recorded)
            messages.info(
                request, f"{len(recorded)} observations recorded from {uploaded.name}; {alerts} alerts raised."
            )
            return redirect("virtualward:board")
        except UnicodeDecodeError:
            form.add_error("file", f"{uploaded.name}: not a UTF-8 CSV file.")
        except services.ObservationError as error:
            form.add_error("file", str(error))
    audit.record(request.user, "view", "Opened the virtual ward upload form", path=request.path)
    return render(request, "virtualward/upload.jinja", {"form": form})
