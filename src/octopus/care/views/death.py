"""Recording a resident's death, which stops their check-ins and closes their cases."""

from django.contrib import messages
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_http_methods

from octopus.accounts.permissions import require
from octopus.core.formatting import plural
from octopus.governance import access

from .. import forms, services
from .common import audit_view, to_record


@require_http_methods(["GET", "POST"])
@require("hold_caseload")
def death(request, person_id: str):
    resident, basis = access.get_resident(request.user, person_id)
    form = forms.DeathForm(request.POST or None, initial={"date_of_death": timezone.localdate()})
    if request.method == "POST" and form.is_valid():
        outcome = services.record_death(
            resident, form.cleaned_data["date_of_death"], form.cleaned_data["source"], request.user, path=request.path
        )
        messages.info(
            request,
            (
                f"Death recorded. {plural(outcome.check_ins_stopped, 'scheduled check-in')} stopped, "
                f"{plural(outcome.cases_closed, 'case')} closed"
                + (
                    f"; {outcome.bereavement_task_for} has a task to contact the family."
                    if outcome.bereavement_task_for
                    else "."
                )
            ),
        )
        return to_record(resident)
    audit_view(request, resident, basis, "Opened record-a-death form")
    return render(
        request,
        "care/form_page.jinja",
        {
            "resident": resident,
            "form": form,
            "title": f"Record the death of {resident.name}",
            "submit_label": "Record death",
            "lede": (
                "All scheduled check-ins stop at once, open cases close with the outcome 'died', and the lead "
                "professional gets a task to contact the family."
            ),
        },
    )
