"""Care homes: the register, one home with its residents and enhanced-support checklist, and
recording support given."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST

from octopus.accounts.permissions import require
from octopus.core.forms import apply_service_errors
from octopus.governance import access, audit

from .. import care_home_presenters, forms, services
from ..models import CareHome


@require_http_methods(["GET", "POST"])
@require("attend_meetings")
def care_homes(request):
    form = forms.CareHomeForm(request.POST or None)
    if request.method == "POST":
        if not request.user.has_capability("run_meetings"):
            raise PermissionDenied("Registering a care home needs the 'run_meetings' capability.")
        if form.is_valid():
            home = services.register_care_home(request.user, **form.cleaned_data, path=request.path)
            messages.info(request, f"{home.name} registered.")
            return redirect("meetings:care_home", home.pk)
    homes = CareHome.objects.select_related("lead_gp", "practice").prefetch_related("series")
    audit.record(request.user, "view", "Viewed the care-home register", path=request.path)
    return render(
        request,
        "meetings/care_homes.jinja",
        {"homes": homes, "form": form, "can_run": request.user.has_capability("run_meetings")},
    )


@require_http_methods(["GET", "POST"])
@require("attend_meetings")
def care_home(request, care_home_id: int):
    home = get_object_or_404(CareHome.objects.select_related("lead_gp", "practice"), pk=care_home_id)
    form = forms.PlaceResidentForm(request.POST or None, initial={"care_home": home.pk})
    if request.method == "POST" and form.is_valid():
        resident, _basis = access.get_resident(request.user, form.cleaned_data["person_id"].strip())
        try:
            services.place_resident(form.cleaned_data["care_home"], resident, request.user, path=request.path)
            messages.info(request, f"{resident.name} lives at {form.cleaned_data['care_home'].name}.")
            return redirect("meetings:care_home", home.pk)
        except ValidationError as error:
            apply_service_errors(form, error)
    return _care_home_page(request, home, form, forms.SupportRecordForm(initial={"done_on": timezone.localdate()}))


def _care_home_page(request, home, place_form, support_form):
    # Residents are listed only where the user may open their record.
    visible = access.residents_for(request.user).filter(
        care_home_placements__care_home=home, care_home_placements__left_on__isnull=True
    )
    residents = list(visible.order_by("family_name"))
    total = home.placements.filter(left_on__isnull=True).count()
    audit.record(
        request.user,
        "view",
        f"Viewed care home {home.name} ({len(residents)} residents shown)",
        obj=home,
        path=request.path,
    )
    audit.record_appearances(
        request.user,
        f"Listed among the residents of care home {home.name}"[:300],
        [resident.person_id for resident in residents],
        path=request.path,
    )
    return render(
        request,
        "meetings/care_home.jinja",
        {
            "home": home,
            "rows": care_home_presenters.resident_rows(home, request.user, residents),
            "checklist": care_home_presenters.home_checklist(home),
            "hidden": total - len(residents),
            "form": place_form,
            "support_form": support_form,
            "series_list": home.series.all(),
        },
    )


@require_POST
@require("attend_meetings")
def care_home_support(request, care_home_id: int):
    """Record one enhanced-support item done (who did what and when)."""
    home = get_object_or_404(CareHome.objects.select_related("lead_gp", "practice"), pk=care_home_id)
    form = forms.SupportRecordForm(request.POST)
    if form.is_valid():
        person_id = form.cleaned_data["person_id"].strip()
        resident = access.get_resident(request.user, person_id)[0] if person_id else None
        try:
            services.record_support(
                home,
                request.user,
                item=form.cleaned_data["item"],
                done_on=form.cleaned_data["done_on"],
                resident=resident,
                note=form.cleaned_data["note"],
                path=request.path,
            )
            messages.info(request, "Recorded.")
            return redirect("meetings:care_home", home.pk)
        except ValidationError as error:
            apply_service_errors(form, error)
    return _care_home_page(request, home, forms.PlaceResidentForm(initial={"care_home": home.pk}), form)
