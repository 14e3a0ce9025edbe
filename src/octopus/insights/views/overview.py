"""The overview (age and sex, risk and segment pyramids, their trends) and the cohorts table."""

import datetime as dt
import json
from pathlib import Path

from django.views.decorators.http import require_GET

from octopus.accounts.permissions import require
from octopus.core import charts
from octopus.governance.consent import analytics_excluded_person_ids
from octopus.publish.scores import band_names

from .. import figures, overview
from ..current import Current
from .common import chosen_area, page


@require_GET
@require("view_population")
def index(request):
    current = Current()
    if not current.available:
        return page(request, "index", current)
    area, chosen, options = chosen_area(request, current)
    as_of = current.published.as_of
    figures_shown = []
    if chosen.has("age") and chosen.has("sex"):
        figures_shown.append(overview.age_sex_pyramid(chosen.age_sex, as_of))
    figures_shown += overview.risk_pyramid(chosen.bands, band_names(), as_of)
    figures_shown.append(overview.segments(chosen.segments, as_of))
    figures_shown += overview.trends(_snapshot_history(current), analytics_excluded_person_ids(), area, band_names())
    return charts.csv_or(request, figures_shown) or page(
        request,
        "index",
        current,
        rising=figures.rising_risk(chosen.bands),
        figures=figures_shown,
        area=area,
        area_options=options,
        precomputed=chosen.precomputed,
    )


def _snapshot_history(current: Current) -> list[tuple[dt.date, Path]]:
    """The current snapshot and the earlier ones kept beside it (the pipeline keeps them for
    rising risk), as (as-of date, folder), for the trend charts."""
    found = {current.published.as_of: current.folder}
    for folder in current.folder.parent.iterdir():
        manifest = folder / "manifest.json"
        if folder == current.folder or not manifest.is_file() or not (folder / "residents.parquet").is_file():
            continue
        try:
            as_of = dt.date.fromisoformat(json.loads(manifest.read_text())["as_of"])
        except (ValueError, KeyError, json.JSONDecodeError):
            continue
        if as_of < current.published.as_of:
            found.setdefault(as_of, folder)
    return sorted(found.items())


@require_GET
@require("view_population")
def cohorts(request):
    current = Current()
    rows = figures.cohorts(current.folder, analytics_excluded_person_ids()) if current.available else []
    return page(request, "cohorts", current, cohorts=rows)
