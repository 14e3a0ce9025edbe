"""The Population section (journey 9): aggregate, pseudonymised figures from the published
snapshot for analysts and INT managers. No page here shows a name, NHS number or person id, so
none is an identifiable view to audit; every count goes through ``core.disclosure``."""

import datetime as dt
import os
from pathlib import Path
from urllib.parse import urlencode

from django.conf import settings
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import render
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.views.decorators.http import require_GET

from octopus.accounts.permissions import require
from octopus.governance.consent import analytics_excluded_person_ids

from . import figures, inequalities
from .model_card import render_model_card
from .models import PublishedSnapshot
from .organisations import organisation_names
from .publish import band_names

STALE_DAYS_ENV = "OCTOPUS_SNAPSHOT_STALE_DAYS"
DEFAULT_STALE_DAYS = 14


def stale_after_days() -> int:
    """How old a snapshot's as-of date may be before the pages warn (setting, env, default 14)."""
    value = getattr(settings, "OCTOPUS_SNAPSHOT_STALE_DAYS", None) or os.environ.get(STALE_DAYS_ENV)
    return int(value) if value else DEFAULT_STALE_DAYS


def _intake_url() -> str | None:
    try:
        return reverse("intake:index")
    except NoReverseMatch:
        return None


def snapshot_folder(published: PublishedSnapshot) -> Path | None:
    recorded = published.manifest.get("snapshot_dir")
    for candidate in (Path(recorded) if recorded else None, Path(settings.DATA_DIR) / "snapshots" / published.run_id):
        if candidate is not None and (candidate / "residents.parquet").is_file():
            return candidate
    return None


class Current:
    """The snapshot the operational database holds, and whether its files can still be read."""

    def __init__(self):
        self.published = PublishedSnapshot.objects.exclude(run_id="linked-only").order_by("-published_at").first()
        self.folder = snapshot_folder(self.published) if self.published else None
        self.age_days = (timezone.localdate() - self.published.as_of).days if self.published else None
        self.stale_after = stale_after_days()
        self.stale = self.age_days is not None and self.age_days > self.stale_after

    @property
    def available(self) -> bool:
        return self.folder is not None


def _page(request, template: str, current: Current, **context):
    context.update(current=current, intake_url=_intake_url(), nav=_NAV)
    return render(request, f"insights/{template}.jinja", context)


_NAV = [
    ("insights:index", "Overview"),
    ("insights:cohorts", "Cohorts"),
    ("insights:deprivation", "Deprivation"),
    ("insights:inequality", "Inequalities"),
    ("insights:practices", "Practice variation"),
    ("insights:model_card", "Model card"),
]


def _residents(current: Current):
    return figures.snapshot_residents(current.folder, analytics_excluded_person_ids())


@require_GET
@require("view_population")
def index(request):
    current = Current()
    if not current.available:
        return _page(request, "index", current)
    frame = _residents(current)
    bands, totals = figures.pyramid(frame, band_names())
    return _page(request, "index", current, bands=bands, totals=totals, segments=figures.segments(frame),
                 rising=figures.rising_risk(frame))


@require_GET
@require("view_population")
def cohorts(request):
    current = Current()
    rows = figures.cohorts(current.folder, analytics_excluded_person_ids()) if current.available else []
    return _page(request, "cohorts", current, cohorts=rows)


@require_GET
@require("view_population")
def deprivation(request):
    current = Current()
    rows = figures.deprivation(_residents(current)) if current.available else []
    return _page(request, "deprivation", current, rows=rows)


@require_GET
@require("view_population")
def inequality(request):
    """The Westminster plan's inequality indicators by a breakdown, with CIs and the SII/RII;
    ``?format=csv`` gives the same table as CSV."""
    current = Current()
    indicator = request.GET.get("indicator", inequalities.INDICATORS[0].name)
    breakdown = request.GET.get("breakdown", inequalities.BREAKDOWNS[0][0])
    if indicator not in inequalities.BY_NAME or breakdown not in inequalities.BREAKDOWN_TITLES:
        raise Http404("No such indicator or breakdown.")
    view = counts = None
    if current.available:
        counts = inequalities.current_counts(current.folder, analytics_excluded_person_ids())
        if counts is not None:
            view = inequalities.indicator_view(counts, indicator, breakdown, organisation_names())
    if request.GET.get("format") == "csv":
        if view is None:
            raise Http404("No inequality figures in the published snapshot.")
        response = HttpResponse(view.csv(), content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="inequalities-{indicator}-{breakdown}.csv"'
        return response
    return _page(request, "inequality", current, view=view, has_counts=counts is not None,
                 indicators=inequalities.INDICATORS, breakdowns=inequalities.BREAKDOWNS,
                 selected_indicator=indicator, selected_breakdown=breakdown,
                 sign_convention=inequalities.SIGN_CONVENTION,
                 csv_query=urlencode({"indicator": indicator, "breakdown": breakdown, "format": "csv"}))


@require_GET
@require("view_population")
def practices(request):
    current = Current()
    rows = figures.practice_variation(_residents(current), organisation_names()) if current.available else []
    return _page(request, "practices", current, rows=rows, outside=sum(1 for r in rows if r["outside"]))


@require_GET
@require("view_population")
def model_card(request):
    current = Current()
    card = None
    if current.available and (current.folder / "model_card.md").is_file():
        card = render_model_card((current.folder / "model_card.md").read_text(), reverse("insights:calibration"))
    return _page(request, "model_card", current, card=card)


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


def as_of_text(value: dt.date) -> str:
    return f"{value:%-d %B %Y}"
