"""The model card, the configuration the snapshot was built with, and the calibration plot."""

import json

from django.http import FileResponse, Http404
from django.urls import reverse
from django.views.decorators.http import require_GET

from octopus.accounts.permissions import require

from ..current import Current
from ..model_card import render_model_card
from .common import page


@require_GET
@require("view_population")
def model_card(request):
    current = Current()
    card = None
    if current.available and (current.folder / "model_card.md").is_file():
        card = render_model_card((current.folder / "model_card.md").read_text(), reverse("insights:calibration"))
    return page(request, "model_card", current, card=card, configuration=_configuration(current))


def _configuration(current: Current) -> dict | None:
    """The configuration the snapshot was built with, as its manifest recorded it (decision 0066)."""
    manifest = current.folder / "manifest.json" if current.available else None
    if manifest is None or not manifest.is_file():
        return None
    recorded = json.loads(manifest.read_text()).get("config") or {}
    if "fingerprint" not in recorded:
        return None
    return recorded | {"overrides": sorted(n for n, f in (recorded.get("files") or {}).items() if f.get("override"))}


@require_GET
@require("view_population")
def calibration(request):
    current = Current()
    path = current.folder / "calibration.png" if current.available else None
    if path is None or not path.is_file():
        raise Http404("No calibration plot in the published snapshot.")
    response = FileResponse(path.open("rb"), content_type="image/png")
    response["Cache-Control"] = "private, max-age=300"
    return response
