"""The joined-up timeline: partner feed rows from the linked extract as ``ActivityEvent`` rows.

One event per source record, keyed by (``source_feed``, ``source_key`` = sender code and the
sender's record id), so publishing the same extract twice changes nothing, a corrected record
is updated in place, and a record the partner withdrew disappears. Only the last two years are
published: the timeline is for the people caring for the resident now; the engine keeps the rest.
Each summary is a plain sentence a practitioner reads at a glance, with the codes in ``detail``.
"""

import datetime as dt
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from zoneinfo import ZoneInfo

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
from django.conf import settings

from octopus.core import bulk
from octopus.residents.models import ActivityEvent, ActivityKind

from .inputs import PublishError

BATCH = 5000
WINDOW = dt.timedelta(days=730)


def _words(value) -> str:
    return str(value).replace("_", " ") if value not in (None, "") else ""


def _nights(start, end) -> str:
    if not start or not end:
        return "still in hospital"
    nights = (end - start).days
    return "day case" if nights == 0 else f"{nights} night{'s' if nights != 1 else ''}"


def _admission(row) -> str:
    method = _words(row.get("admission_method")) or "hospital"
    return f"{method.capitalize()} admission ({_nights(row.get('admission_date'), row.get('discharge_date'))})"


def _ae(row) -> str:
    arrival = " by ambulance" if row.get("arrival_mode") == "ambulance" else ""
    disposal = _words(row.get("disposal"))
    return f"A&E attendance{arrival}" + (f", {disposal}" if disposal else "")


def _outpatient(row) -> str:
    visit = "first appointment" if row.get("first_or_follow_up") == "first" else "follow-up appointment"
    return (
        f"Outpatient {visit} (specialty {row.get('treatment_function_code') or 'not given'}), "
        f"{_words(row.get('attendance')) or 'attendance not recorded'}"
    )


def _gp(row) -> str:
    return (
        f"Appointment with {_words(row.get('staff_role')) or 'the practice'} ({_words(row.get('mode'))}), "
        f"{_words(row.get('status'))}"
    )


def _ambulance(row) -> str:
    return f"Ambulance call, {_words(row.get('outcome')) or 'outcome not recorded'}"


def _community(row) -> str:
    return f"{_words(row.get('service')).capitalize() or 'Community'} contact ({_words(row.get('mode'))})"


def _mh_contact(row) -> str:
    crisis = " (crisis)" if row.get("crisis") else ""
    return (
        f"{_words(row.get('team_type')).capitalize() or 'Mental health'} team contact{crisis} "
        f"({_words(row.get('mode'))})"
    )


def _mh_spell(row) -> str:
    detained = " under the Mental Health Act" if row.get("detained") else ""
    return f"Mental health admission{detained} ({_nights(row.get('admission_date'), row.get('discharge_date'))})"


def _package(row) -> str:
    ended = f", ended {row['end_date']:%-d %b %Y}" if row.get("end_date") else ""
    return f"Social care package started: {_words(row.get('package_type'))}{ended}"


def _vcse(row) -> str:
    return f"Support with {_words(row.get('need_domain')) or 'a need'}"


def _care_home(row) -> str:
    kind = _words(row.get("care_home_type"))
    return f"Moved into {row.get('care_home_name') or 'a care home'}" + (f" ({kind} home)" if kind else "")


@dataclass(frozen=True)
class FeedTimeline:
    feed: str
    kind: str
    date_column: str
    summary: Callable[[dict], str]
    organisation_column: str = "sender_code"
    detail: tuple[str, ...] = ()
    time_column: str | None = None
    # The columns ``summary`` reads: only these are turned into Python values (a feed has twenty
    # or more columns, and converting them all cost more than the rest of the timeline).
    summary_columns: tuple[str, ...] = ()

    def columns(self) -> set[str]:
        return {
            "person_id",
            "sender_code",
            "source_record_id",
            self.date_column,
            self.organisation_column,
            *self.detail,
            *self.summary_columns,
            *((self.time_column,) if self.time_column else ()),
        }


FEEDS = (
    FeedTimeline(
        "apc_spells",
        ActivityKind.ADMISSION,
        "admission_date",
        _admission,
        "provider_ods_code",
        ("discharge_date", "primary_diagnosis", "discharge_destination"),
        summary_columns=("admission_method", "discharge_date"),
    ),
    FeedTimeline(
        "ae_attendances",
        ActivityKind.AE,
        "arrival_datetime",
        _ae,
        "provider_ods_code",
        ("chief_complaint", "department_type"),
        time_column="arrival_datetime",
        summary_columns=("arrival_mode", "disposal"),
    ),
    FeedTimeline(
        "op_attendances",
        ActivityKind.OUTPATIENT,
        "appointment_date",
        _outpatient,
        "provider_ods_code",
        ("treatment_function_code",),
        summary_columns=("first_or_follow_up", "attendance"),
    ),
    FeedTimeline(
        "gp_appointments",
        ActivityKind.GP,
        "appointment_date",
        _gp,
        "practice_ods_code",
        summary_columns=("staff_role", "mode", "status"),
    ),
    FeedTimeline(
        "las_incidents",
        ActivityKind.AMBULANCE,
        "incident_datetime",
        _ambulance,
        detail=("news2_score", "destination_ods_code"),
        time_column="incident_datetime",
        summary_columns=("outcome",),
    ),
    FeedTimeline(
        "community_contacts", ActivityKind.COMMUNITY, "contact_date", _community, summary_columns=("service", "mode")
    ),
    FeedTimeline(
        "mh_contacts",
        ActivityKind.MENTAL_HEALTH,
        "contact_date",
        _mh_contact,
        summary_columns=("crisis", "team_type", "mode"),
    ),
    FeedTimeline(
        "mh_spells",
        ActivityKind.MENTAL_HEALTH,
        "admission_date",
        _mh_spell,
        "provider_ods_code",
        ("discharge_date", "primary_diagnosis"),
        summary_columns=("detained",),
    ),
    FeedTimeline(
        "asc_packages",
        ActivityKind.SOCIAL_CARE,
        "start_date",
        _package,
        detail=("end_date",),
        summary_columns=("package_type",),
    ),
    FeedTimeline(
        "vcse_contacts", ActivityKind.VCSE, "contact_date", _vcse, "organisation_name", summary_columns=("need_domain",)
    ),
    FeedTimeline(
        "care_home_residents",
        ActivityKind.SOCIAL_CARE,
        "move_in_date",
        _care_home,
        detail=("care_home_cqc_location_id", "move_out_date"),
        summary_columns=("care_home_type", "care_home_name"),
    ),
)


def _json(value):
    return value.isoformat() if isinstance(value, dt.date | dt.datetime) else value


def _rows(path: Path, timeline: FeedTimeline, since: dt.date) -> Iterator[dict]:
    """The feed's records from ``since`` on, batch by batch (a whole London feed does not fit in
    memory as Python rows)."""
    parquet = pq.ParquetFile(path)
    columns = [name for name in parquet.schema_arrow.names if name in timeline.columns()]
    for batch in parquet.iter_batches(batch_size=BATCH, columns=columns):
        when = batch.column(timeline.date_column)
        if pa.types.is_timestamp(when.type):
            when = pc.cast(when, pa.date32())
        yield from batch.filter(pc.greater_equal(when, pa.scalar(since, pa.date32()))).to_pylist()


@dataclass
class ActivityCounts:
    added: int = 0
    updated: int = 0
    removed: int = 0


def publish_activity(
    linked_dir: Path,
    residents: dict[str, int],
    names: dict[str, str],
    as_of: dt.date,
    progress: Callable[[int], None] = lambda n: None,
    allow_withdrawals: bool = False,
) -> ActivityCounts:
    """Bring the timeline in line with the linked extract, feed by feed. ``allow_withdrawals``:
    the operator has confirmed that a partner withdrew many records (see ``WITHDRAWAL_SHARE``)."""
    since = as_of - WINDOW
    counts = ActivityCounts()
    for timeline in FEEDS:
        path = linked_dir / f"{timeline.feed}.parquet"
        if not path.is_file():
            continue  # a feed not delivered yet: its events stay as they were
        wanted: dict[str, tuple] = {}
        for row in _rows(path, timeline, since):
            pk = residents.get(row.get("person_id"))
            if pk is None:
                continue
            when = row[timeline.date_column]
            code = row.get(timeline.organisation_column) or row.get("sender_code") or ""
            wanted[f"{row['sender_code']}:{row['source_record_id']}"] = (
                pk,
                when.date() if isinstance(when, dt.datetime) else when,
                _aware(row.get(timeline.time_column)) if timeline.time_column else None,
                str(timeline.kind),
                names.get(code, code)[:200],
                timeline.summary(row)[:300],
                {name: _json(row[name]) for name in timeline.detail if row.get(name) not in (None, "")},
            )
        _apply(timeline.feed, wanted, since, counts, allow_withdrawals)
        progress(len(wanted))
    return counts


_COMPARED = ("resident_id", "occurred_on", "occurred_at", "kind", "source_organisation", "summary", "detail")


# What decides whether a stored event still matches its source record. Reading back every
# event's JSON detail and timestamp would cost more than the rest of the publish put together.
_MATCHED = ("resident_id", "occurred_on", "kind", "source_organisation", "summary")
_MATCH_INDEX = [_COMPARED.index(name) for name in _MATCHED]


_OCCURRED_ON = _MATCHED.index("occurred_on")

# A partner withdraws a record now and then (an entry made in error, two records merged). An
# extract that would withdraw more than this share of a feed's events in the window, and at least
# WITHDRAWAL_MINIMUM of them, is far likelier a file cut short, or a partial extract sent as a
# whole one, than a partner's decision: publishing it would take months of history off every
# record. The publish stops, naming the feed, unless the operator confirms the withdrawal.
WITHDRAWAL_SHARE = 0.2
WITHDRAWAL_MINIMUM = 1000


def _matched(values: tuple) -> tuple:
    return tuple(values[i] for i in _MATCH_INDEX)


def _apply(
    feed: str, wanted: dict[str, tuple], since: dt.date, counts: ActivityCounts, allow_withdrawals: bool = False
) -> None:
    """Insert new records, update changed ones, delete withdrawn ones; build model objects only
    for those (a republish of an unchanged extract touches nothing). Refuses, before writing any
    of them, an extract that would withdraw too much of the feed (``WITHDRAWAL_SHARE``)."""
    existing = {
        values[0]: (values[1], values[2:])
        for values in ActivityEvent.objects.filter(source_feed=feed)
        .values_list("source_key", "pk", *_MATCHED)
        .iterator(chunk_size=BATCH)
    }
    # One pass over the stored events: at 1M residents a feed holds millions of them.
    in_window, gone = 0, []
    for key, (pk, old) in existing.items():
        if _within(old[_OCCURRED_ON], since):
            in_window += 1
            if key not in wanted:
                gone.append(pk)
    if not allow_withdrawals and len(gone) >= WITHDRAWAL_MINIMUM and len(gone) > WITHDRAWAL_SHARE * in_window:
        raise PublishError(
            f"{feed}: this extract would withdraw {len(gone):,} of the {in_window:,} events published "
            f"from it since {since.isoformat()} ({len(gone) / in_window:.0%}). A partner withdraws a few "
            "records at a time, so the file may be cut short or partial. If the partner did withdraw them, "
            "publish again with --allow-withdrawals."
        )
    new = [(*values, feed, key) for key, values in wanted.items() if key not in existing]
    bulk.insert(ActivityEvent, [*_COMPARED, "source_feed", "source_key"], new)
    changed = [
        (*values, existing[key][0])
        for key, values in wanted.items()
        if key in existing and existing[key][1] != _matched(values)
    ]
    bulk.update(ActivityEvent, _COMPARED, "id", changed)
    # Nothing refers to a timeline event, so a plain DELETE (no ORM cascade collection) is safe.
    bulk.delete(ActivityEvent, "id", gone)
    counts.added += len(new)
    counts.updated += len(changed)
    counts.removed += len(gone)


def _within(occurred_on: dt.date, since: dt.date) -> bool:
    return occurred_on >= since


def _aware(value):
    # Feeds carry London wall-clock times; zoneinfo resolves the DST hour without raising.
    if isinstance(value, dt.datetime) and value.tzinfo is None:
        return value.replace(tzinfo=ZoneInfo(settings.TIME_ZONE))
    return value
