"""Publishing what the population engine produced into the operational database.

The engine (``octopus.population``) writes Parquet: the linked extract's ``persons.parquet``
(demographics, one row per linked person) and its feeds, and a snapshot's ``residents.parquet``
(risk, band, segment, flags) and ``cohorts.parquet``. This module upserts them into
``residents.Resident`` (and the timeline, ``ActivityEvent``) and records new deaths.

On SQLite, writes commit in short transactions, batch by batch (decision 0024, which amends
0010): a single transaction held SQLite's write lock for the whole publish, and every page view,
which writes an audit entry, waited for it. On PostgreSQL, residents, scores and the timeline are
COPYed into staging tables first and switched in by one transaction (decision 0057), so readers
see the old rows or the new, never a mixture. Each resident's row changes in one statement, so a record
never shows half of its own snapshot; the ``PublishedSnapshot`` row, which the Population pages
and the snapshot date read, is written last, so the previous snapshot stays in service until
everything else is in. A publish that fails part-way leaves some residents on the new run
(``snapshot_run_id`` says which) and the previous snapshot in service; publishing again, which
changes nothing already right, completes it.
"""

import datetime as dt
import json
import logging
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from django.db import transaction
from django.utils import timezone

from octopus.clock import london_today
from octopus.core import bulk
from octopus.governance import audit
from octopus.insights.models import PublishedSnapshot
from octopus.insights.organisations import organisation_names
from octopus.residents.models import Resident

from .deaths import record_deaths, register_care_homes
from .inputs import PublishError, check_inputs
from .residents import publish_persons
from .scores import publish_scores
from .timeline import ActivityCounts, publish_activity

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class PublishReport:
    run_id: str
    as_of: dt.date
    residents: int
    households: int
    activity_added: int = 0
    activity_updated: int = 0
    activity_removed: int = 0
    deaths: int = 0


def publish(
    persons_path: Path,
    snapshot_dir: Path | None = None,
    *,
    actor=None,
    progress: Callable[[int], None] = lambda n: None,
    activity: bool = True,
    allow_withdrawals: bool = False,
) -> PublishReport:
    """Publish linked persons, their timeline and deaths, and (if given) a snapshot, atomically.

    ``persons_path`` is the linked extract's ``persons.parquet``; the feeds beside it give the
    timeline and deaths. A feed that would withdraw much of its published timeline stops the
    publish (``PublishError``) unless ``allow_withdrawals`` (``timeline.WITHDRAWAL_SHARE``).
    """
    from octopus.governance.consent import analytics_excluded_person_ids

    persons_path = Path(persons_path)
    linked_dir = persons_path.parent
    manifest = {}
    run_id, as_of = "linked-only", london_today()
    if snapshot_dir is not None:
        snapshot_dir = Path(snapshot_dir)
        manifest_path = snapshot_dir / "manifest.json"
        try:
            manifest = json.loads(manifest_path.read_text())
            run_id, as_of = str(manifest["run_id"]), dt.date.fromisoformat(str(manifest["as_of"]))
        except (OSError, KeyError, ValueError) as error:
            raise PublishError(f"{manifest_path}: not a readable snapshot manifest ({error}).") from error
        manifest["snapshot_dir"] = str(snapshot_dir.resolve())
    check_inputs(persons_path, snapshot_dir)
    before = dict(Resident.objects.values_list("person_id", "pk"))
    excluded = analytics_excluded_person_ids()
    events = ActivityCounts()
    # SQLite: no enclosing transaction, each batch commits alone (decision 0024). PostgreSQL:
    # everything in this block is staged and lands in one transaction at its end (decision 0057).
    with bulk.staged():
        residents, households, known = publish_persons(persons_path, before, progress)
        if snapshot_dir is not None:
            publish_scores(snapshot_dir, run_id, as_of, known, excluded, progress)
        if activity:
            events = publish_activity(linked_dir, known, organisation_names(), as_of, progress, allow_withdrawals)
    deaths = record_deaths(linked_dir, known, set(known) - set(before), actor)
    homes = register_care_homes(linked_dir, as_of, actor)
    with transaction.atomic():
        manifest["published"] = {
            "activity_added": events.added,
            "activity_updated": events.updated,
            "activity_removed": events.removed,
            "deaths_recorded": deaths,
            "care_homes": homes.homes,
            "care_home_moves_in": homes.placements_added,
            "care_home_moves_out": homes.placements_ended,
            "analytics_excluded": len(excluded & set(known)),
        }
        PublishedSnapshot.objects.update_or_create(
            run_id=run_id,
            # published_at too: publishing a run again (a rerun after a failure, or going back to an
            # earlier snapshot) puts it in service, and "in service" is the latest published_at.
            defaults={
                "as_of": as_of,
                "published_at": timezone.now(),
                "published_by": actor if getattr(actor, "pk", None) else None,
                "residents": residents,
                "households": households,
                "manifest": manifest,
            },
        )
        audit.record(
            actor,
            "load",
            f"Published snapshot {run_id} ({residents} residents, {events.added} new "
            f"timeline events, {deaths} deaths recorded)",
            obj=None,
        )
    log.info("published snapshot %s: %d residents, %d households", run_id, residents, households)
    return PublishReport(run_id, as_of, residents, households, events.added, events.updated, events.removed, deaths)
