"""Deliveries, loading files and the quarantine. Validation is the feed engine's, never redone here."""

from __future__ import annotations

import csv
import io
import tempfile
from dataclasses import dataclass
from pathlib import Path

from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET, require_POST

from octopus.accounts.permissions import require
from octopus.governance import audit
from octopus.population.feeds.history import deliveries, feed_statuses, rejections
from octopus.population.feeds.load import load_files
from octopus.population.feeds.quarantine import count_quarantined, export_quarantine, quarantined
from octopus.population.feeds.validate import FeedRejected

from . import services
from .forms import PipelineRunForm, UploadForm
from .pipeline_views import status_context
from .store import open_store, save_upload, unless_store_busy

QUARANTINE_PAGE_SIZE = 50
# Quarantined values can identify residents (names, NHS numbers): every view is audited.
QUARANTINE_BASIS = "manage_data: checking partner data quality"


@dataclass(frozen=True)
class FileOutcome:
    file_name: str
    outcome: str  # loaded | quarantined | already | rejected
    message: str
    quarantined_rows: int = 0


DELIVERIES_PER_PAGE = 25


def _index_context(store, request) -> dict:
    """The deliveries are paged (a year of daily feeds is thousands of files) and can be narrowed to
    one feed; refused files are paged too. Feed statuses are one row per feed, so they are not."""
    statuses = feed_statuses(store)
    feed = request.GET.get("feed") or None
    if feed not in {status.feed for status in statuses}:
        feed = None
    shown = Paginator(deliveries(store, feed=feed), DELIVERIES_PER_PAGE).get_page(request.GET.get("page"))
    refused = Paginator(rejections(store), DELIVERIES_PER_PAGE).get_page(request.GET.get("refused_page"))
    return {
        "deliveries": shown,
        "feed": feed,
        "statuses": statuses,
        "rejections": refused,
        "feed_titles": {name: contract.title for name, contract in store.contracts.items()},
        "pipeline_form": PipelineRunForm(),
        **status_context(services.latest_pipeline_job()),
    }


@require("manage_data")
@require_GET
@unless_store_busy
def index(request):
    with open_store() as store:
        context = _index_context(store, request)
    return render(request, "intake/index.jinja", {**context, "form": UploadForm()})


@require("manage_data")
@require_POST
@unless_store_busy
def upload(request):
    form = UploadForm(request.POST, request.FILES)
    if not form.is_valid():
        with open_store() as store:
            context = _index_context(store, request)
        return render(request, "intake/index.jinja", {**context, "form": form})
    with open_store() as store:
        paths = [save_upload(uploaded) for uploaded in form.cleaned_data["files"]]
        outcomes = [_outcome(path, result) for path, result in load_files(store, paths)]
    for outcome in outcomes:
        # The summary names the file and outcome only; rejection reasons can quote values.
        audit.record_request(
            request, "load", f"Loaded feed file {outcome.file_name}: {outcome.outcome}", basis="manage_data"
        )
    return render(request, "intake/upload_result.jinja", {"outcomes": outcomes})


def _outcome(path: Path, result) -> FileOutcome:
    if isinstance(result, FeedRejected):
        return FileOutcome(path.name, "rejected", str(result))
    if result.status != "loaded":
        return FileOutcome(path.name, "already", result.summary())
    outcome = "quarantined" if result.quarantined_rows else "loaded"
    return FileOutcome(path.name, outcome, result.summary(), result.quarantined_rows)


class _QuarantinePage:
    """A sliceable view of the quarantine for Django's Paginator, one SQL page at a time."""

    def __init__(self, store, feed: str | None, file_name: str | None):
        self.store, self.feed, self.file_name = store, feed, file_name

    def count(self) -> int:
        return count_quarantined(self.store, feed=self.feed, file_name=self.file_name)

    def __getitem__(self, window: slice):
        return quarantined(
            self.store, feed=self.feed, file_name=self.file_name, limit=window.stop - window.start, offset=window.start
        )


def _filters(request) -> tuple[str | None, str | None]:
    return request.GET.get("feed") or None, request.GET.get("file") or None


@require("manage_data")
@require_GET
@unless_store_busy
def quarantine(request):
    feed, file_name = _filters(request)
    with open_store() as store:
        page = Paginator(_QuarantinePage(store, feed, file_name), QUARANTINE_PAGE_SIZE).get_page(
            request.GET.get("page")
        )
        page.object_list = list(page.object_list)
    scope = f"file {file_name}" if file_name else f"feed {feed}" if feed else "all feeds"
    audit.record_request(
        request, "view", f"Viewed quarantined values of {scope} (page {page.number})", basis=QUARANTINE_BASIS
    )
    return render(
        request,
        "intake/quarantine.jinja",
        {"page": page, "feed": feed or "", "file_name": file_name or "", "scope": scope},
    )


@require("manage_data")
@require_GET
@unless_store_busy
def quarantine_csv(request):
    feed, file_name = _filters(request)
    with tempfile.TemporaryDirectory(prefix="octopus-quarantine-") as folder:
        target = Path(folder) / "quarantine.csv"
        with open_store() as store:
            count = export_quarantine(store, target, feed=feed, file_name=file_name)
        body = target.read_bytes() if count else _header_only()
    scope = f"file {file_name}" if file_name else f"feed {feed}" if feed else "all feeds"
    audit.record_request(request, "export", f"Downloaded {count} quarantined values of {scope}", basis=QUARANTINE_BASIS)
    response = HttpResponse(body, content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="quarantine.csv"'
    return response


def _header_only() -> bytes:
    from octopus.population.feeds.quarantine import COLUMNS

    buffer = io.StringIO()
    csv.writer(buffer).writerow(COLUMNS)
    return buffer.getvalue().encode()
