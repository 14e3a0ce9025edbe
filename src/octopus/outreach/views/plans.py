"""The monthly workforce plan: asking for it, and the plan job's progress and result."""

from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_GET, require_http_methods

from octopus.accounts.permissions import require
from octopus.governance import audit

from .. import areas, forms, queries, services, tasks
from ..models import PlanJob
from .common import route_drawing


def _target_areas(request) -> tuple[list[str], str]:
    """``?areas=`` from the area page (replacing the workforce file's target areas), and an error
    naming any code that is not a London LSOA."""
    target = [c.strip() for c in (request.POST.get("areas") or request.GET.get("areas", "")).split(",") if c.strip()]
    unknown = [c for c in target if areas.area(c) is None]
    if unknown:
        return [], (
            f"Target areas: {', '.join(unknown[:5])} {'is not a' if len(unknown) == 1 else 'are not'} "
            f"London LSOA 2021 code{'s' if len(unknown) > 1 else ''}."
        )
    return target, ""


@require_http_methods(["GET", "POST"])
@require("plan_outreach")
def plan_page(request):
    """Ask for the monthly workforce plan for the shipped workforce file, as `octopus outreach plan`
    makes it. The plan runs in the task worker (at 100 CHWWs it takes about a minute); the job's
    page shows its progress, then each CHWW's days as walking routes."""
    target, error = _target_areas(request)
    posted = request.method == "POST"
    form = forms.PlanForm(
        request.POST if posted else None, initial={"month": request.GET["month"]} if request.GET.get("month") else None
    )
    if posted and not error and form.is_valid():
        job = services.request_plan(request.user, form.cleaned_data["month"], target, path=request.path)
        return redirect("outreach:plan_job", job.pk)
    return render(
        request,
        "outreach/plan.jinja",
        {
            "form": form,
            "plan": None,
            "error": error,
            "target": target,
            "job": None,
            "recent": PlanJob.objects.select_related("requested_by")[:5],
        },
    )


def _plan_job(job_id: int) -> PlanJob:
    return get_object_or_404(PlanJob.objects.select_related("requested_by"), pk=job_id)


@require_GET
@require("plan_outreach")
def plan_job(request, job_id: int):
    """A plan asked for: its progress while it runs (the panel polls ``plan_job_status``), then the
    plan itself (addresses, no residents)."""
    job = _plan_job(job_id)
    result, addresses, routes = None, {}, {}
    if job.status == PlanJob.Status.FINISHED:
        result = tasks.restored(job.result)
        ids = [h.id for w in result.workers for d in w.days for h in d.households]
        addresses = queries.addresses(ids)
        routes = {
            (w, d): route_drawing(day.households)
            for w, wp in enumerate(result.workers)
            for d, day in enumerate(wp.days)
        }
        audit.record_request(
            request, "view", f"Viewed the outreach plan for {job.month} (plan job {job.pk}): {len(ids)} households"
        )
    form = forms.PlanForm(initial={"month": job.month})
    return render(
        request,
        "outreach/plan.jinja",
        {
            "form": form,
            "plan": result,
            "addresses": addresses,
            "error": job.error,
            "target": job.target_areas,
            "routes": routes,
            "job": job,
            "recent": [],
        },
    )


@require_GET
@require("plan_outreach")
def plan_job_status(request, job_id: int):
    job = _plan_job(job_id)
    response = render(request, "outreach/_plan_status.jinja", {"job": job})
    if not job.active:
        response["HX-Refresh"] = "true"  # the finished plan is the whole page, not this panel
    return response
