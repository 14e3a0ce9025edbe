"""Running the population pipeline and publishing its snapshot from the intake page (issue #13).

The run is a background task (``tasks.run_pipeline_in_background``); the page polls its status
panel. The snapshot in service stays in service until the new one is published.
"""

from __future__ import annotations

from django.contrib import messages
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST

from octopus.accounts.permissions import require
from octopus.core import formatting

from . import services
from .forms import PipelineRunForm
from .presenters import elapsed, figure


def status_context(job) -> dict:
    return {"pipeline_job": job, "elapsed": elapsed, "figure": figure}


@require("manage_data")
@require_POST
def run(request):
    """Queue a pipeline run and publish, one at a time; return at once to the intake page."""
    back = reverse("intake:index") + "#pipeline"
    form = PipelineRunForm(request.POST)
    if not form.is_valid():
        messages.error(request, " ".join(form.errors["as_of"]))
        return redirect(back)
    as_of = form.cleaned_data["as_of"] or timezone.localdate()
    try:
        job, new = services.request_pipeline_run(request.user, as_of=as_of, path=request.path)
    except services.PipelineNotReady as reason:
        messages.error(request, str(reason))
        return redirect(back)
    if not new:
        asked_by = job.requested_by.username if job.requested_by else "someone"
        messages.info(
            request,
            f"A pipeline run is already in progress ({job.get_status_display().lower()}), asked for "
            f"by {asked_by} on {formatting.date(job.requested_at)}; the panel below shows how it "
            "is going.",
        )
    elif job.active:
        messages.success(
            request,
            "The pipeline run is queued. The panel below shows how it is going; you can leave "
            "this page. The snapshot in service stays in service until the new one is published.",
        )
    else:  # a backend that runs tasks at once: the panel already gives the outcome
        messages.success(request, f"The pipeline run {job.get_status_display().lower()}.")
    return redirect(back)


@require("manage_data")
@require_GET
def status(request):
    """The pipeline panel alone, polled by the intake page while a run is queued or running."""
    return render(request, "intake/_pipeline_status.jinja", status_context(services.latest_pipeline_job()))
