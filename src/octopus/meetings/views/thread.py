"""A resident's message thread for the team."""

from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from octopus.accounts.permissions import require
from octopus.core.forms import apply_service_errors
from octopus.governance import access, audit

from .. import forms, services
from ..models import ResidentMessage


@require_http_methods(["GET", "POST"])
@require("attend_meetings")
def thread(request, person_id: str):
    resident, basis = access.get_resident(request.user, person_id)
    form = forms.MessageForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.post_message(resident, request.user, form.cleaned_data["body"], path=request.path)
            return redirect("meetings:thread", resident.person_id)
        except ValidationError as error:
            apply_service_errors(form, error)
    audit.record(
        request.user,
        "view",
        "Read the team's message thread",
        resident_id=resident.person_id,
        basis=basis,
        path=request.path,
    )
    thread = access.scoped(request.user, ResidentMessage.objects).filter(resident=resident)
    thread = thread.select_related("author").prefetch_related("mentions")
    return render(request, "meetings/thread.jinja", {"resident": resident, "messages_list": thread, "form": form})
