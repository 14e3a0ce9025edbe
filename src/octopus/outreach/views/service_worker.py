"""The phone's service worker, for visits without signal (decision 0030)."""

from pathlib import Path

from django.http import HttpResponse
from django.views.decorators.http import require_GET

from octopus.accounts.permissions import require

SERVICE_WORKER = Path(__file__).parents[1] / "static" / "outreach" / "service-worker.js"


@require_GET
@require("do_outreach")
def service_worker(request):
    """The phone's service worker, served from /outreach/ so its scope is the CHWW's pages only
    (decision 0030). Never cached by the browser's HTTP cache: a new version must take over."""
    response = HttpResponse(SERVICE_WORKER.read_text(), content_type="text/javascript")
    response["Cache-Control"] = "no-cache"
    return response
