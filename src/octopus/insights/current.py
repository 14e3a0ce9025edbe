"""The published snapshot the pages read: which one is current, where its files are, how old it is.

Outside the views so that other apps (working groups' watched cohorts) can read the current
snapshot without importing a views module.
"""

import os
from pathlib import Path

from django.conf import settings
from django.utils import timezone

from .models import PublishedSnapshot

STALE_DAYS_ENV = "OCTOPUS_SNAPSHOT_STALE_DAYS"
DEFAULT_STALE_DAYS = 14


def stale_after_days() -> int:
    """How old a snapshot's as-of date may be before the pages warn (setting, env, default 14)."""
    value = getattr(settings, "OCTOPUS_SNAPSHOT_STALE_DAYS", None) or os.environ.get(STALE_DAYS_ENV)
    return int(value) if value else DEFAULT_STALE_DAYS


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
