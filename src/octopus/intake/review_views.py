"""Clerical review of possible matches, linking on demand, and the linkage overview."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST

from octopus.accounts.permissions import require
from octopus.core import formatting
from octopus.governance import audit
from octopus.population.linkage.overview import linkage_overview
from octopus.population.linkage.persons import ensure_tables
from octopus.population.linkage.review import decide, review_queue

from . import services
from .forms import DecisionForm
from .presenters import (
    METHOD_LABELS,
    elapsed,
    field_rows,
    linkage_progress,
    neighbours,
    source_label,
)
from .store import StoreBusy, open_store, unless_store_busy

# Pairs show names, dates of birth and NHS numbers side by side: audited as identifiable views.
REVIEW_BASIS = "manage_data: clerical review of person linkage"


def _queue(store):
    ensure_tables(store)  # before the first link run the queue is simply empty
    return review_queue(store)


@require("manage_data")
@require_GET
def overview(request):
    try:
        with open_store() as store:
            summary = linkage_overview(store)
    except StoreBusy:
        summary = None  # the run in progress has the store; its status is shown instead
    return render(
        request,
        "intake/linkage.jinja",
        {
            "overview": summary,
            "method_labels": METHOD_LABELS,
            "job": (job := services.latest_job()),
            "progress": linkage_progress(job) if job and job.active else None,
            "elapsed": elapsed,
        },
    )


@require("manage_data")
@require_POST
def link_now(request):
    """Queue a linkage run (it runs in the task worker) and return at once to the status."""
    job, new = services.request_linkage(request.user, path=request.path)
    if not new:
        asked_by = job.requested_by.username if job.requested_by else "someone"
        messages.info(
            request,
            f"A linkage run is already {job.get_status_display().lower()} (asked for by "
            f"{asked_by}, {formatting.date(job.requested_at)}); this page shows how it is going.",
        )
    elif job.active:
        messages.success(request, "Linkage is queued. This page shows how it is going; you can leave it.")
    else:  # a backend that runs tasks at once: the status below already gives the outcome
        messages.success(request, f"The linkage run {job.get_status_display().lower()}.")
    return redirect("intake:linkage")


@require("manage_data")
@require_GET
def linkage_status(request):
    """The status panel alone, polled by the linkage page while a run is queued or running."""
    job = services.latest_job()
    response = render(
        request,
        "intake/_linkage_status.jinja",
        {
            "job": job,
            "progress": linkage_progress(job) if job and job.active else None,
            "elapsed": elapsed,
        },
    )
    if request.htmx and not (job and job.active):
        response["HX-Refresh"] = "true"  # the run ended: reload the page for the new figures
    return response


@require("manage_data")
@require_GET
@unless_store_busy
def queue(request):
    with open_store() as store:
        pairs = _queue(store)
    audit.record_request(request, "view", f"Viewed the clerical review queue ({len(pairs)} pairs)", basis=REVIEW_BASIS)
    return render(request, "intake/review.jinja", {"pairs": pairs, "source_label": source_label})


@require("manage_data")
@require_GET
@unless_store_busy
def pair(request, pair_id: str):
    with open_store() as store:
        pairs = _queue(store)
    chosen = next((p for p in pairs if p.pair_id == pair_id), None)
    if chosen is None:
        raise Http404("This pair is not waiting for review: it may have been decided already.")
    position, previous, following = neighbours(pairs, pair_id)
    audit.record_request(request, "view", f"Viewed review pair {pair_id}", basis=REVIEW_BASIS)
    return render(
        request,
        "intake/pair.jinja",
        {
            "pair": chosen,
            "rows": field_rows(chosen),
            "position": position,
            "total": len(pairs),
            "previous": previous,
            "next": following,
            "left": source_label(chosen.left_key),
            "right": source_label(chosen.right_key),
            "form": DecisionForm(),
        },
    )


@require("manage_data")
@require_POST
@unless_store_busy
def decide_pair(request, pair_id: str):
    form = DecisionForm(request.POST)
    with open_store() as store:
        pairs = _queue(store)
        if not form.is_valid():
            messages.error(request, "Choose Confirm match or Not a match.")
            return (
                redirect("intake:pair", pair_id=pair_id)
                if any(p.pair_id == pair_id for p in pairs)
                else redirect("intake:review")
            )
        try:
            decide(store, pair_id, form.cleaned_data["decision"], request.user.username)
        except KeyError:
            raise Http404("No such review pair.") from None
    label = dict(form.fields["decision"].choices)[form.cleaned_data["decision"]]
    audit.record_request(request, "review", f"Review pair {pair_id}: {label}", basis=REVIEW_BASIS)
    messages.success(request, f"Recorded: {label.lower()}. Decisions take effect at the next link run.")
    following = _next_undecided(pairs, pair_id)
    return redirect(reverse("intake:pair", args=[following]) if following else reverse("intake:review"))


def _next_undecided(pairs, decided_id: str) -> str | None:
    ids = [p.pair_id for p in pairs]
    if decided_id not in ids:
        return None
    index = ids.index(decided_id)
    rest = ids[index + 1 :] + ids[:index]
    return rest[0] if rest else None
