"""Supervision figures for the planner (octopus.outreach.supervision)."""

from django.shortcuts import render
from django.views.decorators.http import require_GET

from octopus.accounts.permissions import require
from octopus.governance import audit

from .. import supervision


@require_GET
@require("plan_outreach")
def supervision_page(request):
    """Counts per CHWW or area, month by month; no resident is named (octopus.outreach.supervision)."""
    by = "area" if request.GET.get("by") == "area" else "chww"
    rows = supervision.figures(by)
    audit.record_request(request, "view", f"Viewed outreach supervision by {by}")
    return render(
        request,
        "outreach/supervision.jinja",
        {"rows": rows, "by": by, "definitions": supervision.__doc__.split("Definitions (shown on the page):")[1]},
    )
