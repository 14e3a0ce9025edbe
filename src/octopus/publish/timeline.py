"""The joined-up timeline: partner feed rows from the linked extract as ``ActivityEvent`` rows.

One event per source record, keyed by (``source_feed``, ``source_key`` = sender code and the
sender's record id), so publishing the same extract twice changes nothing, a corrected record
is updated in place, and a record the partner withdrew disappears. Only the last two years are
published: the timeline is for the people caring for the resident now; the engine keeps the rest.
Each summary is a plain sentence a practitioner reads at a glance, with the codes in ``detail``.
"""

import datetime as dt
import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq
from django.conf import settings

from octopus.core import bulk
from octopus.residents.models import ActivityEvent, ActivityKind

from .combinations import each_combination, matching, quoted, sql_text
from .inputs import PublishError

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
    # Every column ``summary`` reads, and only those: it is called once for each distinct
    # combination of their values, not once a record (a London feed has millions of records and
    # a few thousand combinations), and given only these columns.
    summary_columns: tuple[str, ...] = ()

    def columns(self) -> set[str]:
        """Every column the feed's events are made from."""
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
        summary_columns=("admission_method", "admission_date", "discharge_date"),
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
        summary_columns=("first_or_follow_up", "treatment_function_code", "attendance"),
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
        summary_columns=("detained", "admission_date", "discharge_date"),
    ),
    FeedTimeline(
        "asc_packages",
        ActivityKind.SOCIAL_CARE,
        "start_date",
        _package,
        detail=("end_date",),
        summary_columns=("package_type", "end_date"),
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


def _local_to_utc(column: str, zone: str) -> str:
    """A naive London wall-clock time as an instant, as Python's zoneinfo reads it (``fold=0``): in
    the autumn's repeated hour the first (summer-time) reading; in the spring's missing hour the
    offset before the change. DuckDB's ICU takes the later reading of the repeated hour, so the
    earlier of the two readings an hour apart is taken (a test checks every half hour around both
    changes against zoneinfo)."""
    return f"least(timezone({zone}, {column}), timezone({zone}, {column} - INTERVAL 1 HOUR) + INTERVAL 1 HOUR)"


def _detail_sql(timeline: FeedTimeline, types: dict[str, pa.DataType]) -> str:
    """``detail`` as JSON text: each of the feed's detail columns (of ``feed AS f``) that has a value
    (not null, not an empty string), dates as ISO 8601."""
    parts = []
    for name in timeline.detail:
        if name not in types:
            continue
        kind, column = types[name], f"f.{quoted(name)}"
        if pa.types.is_string(kind) or pa.types.is_large_string(kind):
            present, value = f"{column} IS NOT NULL AND {column} <> ''", f"to_json({column})"
        elif pa.types.is_date(kind):
            present, value = f"{column} IS NOT NULL", f"to_json(CAST({column} AS VARCHAR))"
        elif pa.types.is_timestamp(kind):
            present, value = f"{column} IS NOT NULL", f"to_json(replace(CAST({column} AS VARCHAR), ' ', 'T'))"
        else:
            present, value = f"{column} IS NOT NULL", f"to_json({column})"
        parts.append(f"CASE WHEN {present} THEN '\"{name}\": ' || {value} END")
    return "'{' || " + (f"concat_ws(', ', {', '.join(parts)})" if parts else "''") + " || '}'"


def _wanted(con, path: Path, timeline: FeedTimeline, since: dt.date) -> int:
    """The feed's records from ``since`` on, for published residents, as the events they should be:
    DuckDB table ``wanted``, one row per source key (the file's last record for it). Returns its rows."""
    types = {field.name: field.type for field in pq.read_schema(path)}
    date = quoted(timeline.date_column)
    read = timeline.columns()
    # A view: the distinct summaries read their few columns, the events the rest, nothing is kept.
    con.execute(
        f"CREATE OR REPLACE TEMP VIEW feed AS SELECT {', '.join(quoted(c) for c in types if c in read)}, "
        f"file_row_number FROM read_parquet({sql_text(str(path))}, file_row_number = true) "
        f"WHERE CAST({date} AS DATE) >= DATE {sql_text(since.isoformat())}"
    )
    present = [c for c in timeline.summary_columns if c in types]
    summaries = each_combination(con, "feed", present, lambda row: timeline.summary(row)[:300], "summary")
    con.register("summaries", summaries)
    key = " || ':' || ".join(
        f"coalesce(CAST(f.{quoted(c)} AS VARCHAR), 'None')" if c in types else "'None'"
        for c in ("sender_code", "source_record_id")
    )
    given = [
        f"nullif(CAST(f.{quoted(c)} AS VARCHAR), '')"
        for c in (timeline.organisation_column, "sender_code")
        if c in types
    ]
    code = f"coalesce({', '.join(given)}, '')"
    time = timeline.time_column
    if time in types and pa.types.is_timestamp(types[time]) and types[time].tz is None:
        occurred_at = _local_to_utc(f"f.{quoted(time)}", sql_text(settings.TIME_ZONE))
    elif time in types:
        occurred_at = f"CAST(f.{quoted(time)} AS TIMESTAMPTZ)"
    else:
        occurred_at = "CAST(NULL AS TIMESTAMPTZ)"
    con.execute(
        f"""CREATE OR REPLACE TEMP TABLE wanted AS
        SELECT {key} AS source_key, r.pk AS resident_id, CAST(f.{date} AS DATE) AS occurred_on,
               {occurred_at} AS occurred_at, {sql_text(str(timeline.kind))} AS kind,
               left(coalesce(n.name, {code}), 200) AS source_organisation, s.summary,
               {_detail_sql(timeline, types)} AS detail, f.file_row_number
        FROM feed AS f
        JOIN residents AS r ON r.person_id = f.person_id
        LEFT JOIN names AS n ON n.code = {code}
        LEFT JOIN summaries AS s ON {matching("f", "s", present)}
        QUALIFY row_number() OVER (PARTITION BY source_key ORDER BY f.file_row_number DESC) = 1"""
    )
    con.unregister("summaries")
    con.execute("DROP VIEW feed")
    return con.execute("SELECT count(*) FROM wanted").fetchall()[0][0]


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
    the operator has confirmed that a partner withdrew many records (see ``WITHDRAWAL_SHARE``).

    The events are made set-based in DuckDB (a sentence per distinct combination of a summary's
    columns, the detail as JSON text) and compared with the stored ones there; only the changes
    reach the database, new events as Arrow batches (decision 0075)."""
    from octopus.population.engines import duckdb_config

    since = as_of - WINDOW
    counts = ActivityCounts()
    # Limited, and spilling to a temporary folder: every feed's new events are kept until the last
    # feed is read, so they can be sent in the timeline index's order (``_insert_new``).
    con = duckdb.connect(config=duckdb_config())
    try:
        con.execute("SET TimeZone = 'UTC'")
        con.register(
            "residents",
            pa.table(
                {
                    "person_id": pa.array(list(residents), pa.string()),
                    "pk": pa.array(list(residents.values()), pa.int64()),
                }
            ),
        )
        con.register(
            "names",
            pa.table({"code": pa.array(list(names), pa.string()), "name": pa.array(list(names.values()), pa.string())}),
        )
        for timeline in FEEDS:
            path = linked_dir / f"{timeline.feed}.parquet"
            if not path.is_file():
                continue  # a feed not delivered yet: its events stay as they were
            wanted = _wanted(con, path, timeline, since)
            _apply(con, timeline.feed, since, counts, allow_withdrawals)
            progress(wanted)
        counts.added = _insert_new(con)
    finally:
        # On PostgreSQL the new events are read from this connection in the switch (``_insert_new``).
        bulk.after_switch(con.close)
    return counts


_COMPARED = ("resident_id", "occurred_on", "occurred_at", "kind", "source_organisation", "summary", "detail")


# What decides whether a stored event still matches its source record. Reading back every
# event's JSON detail and timestamp would cost more than the rest of the publish put together.
_MATCHED = ("resident_id", "occurred_on", "kind", "source_organisation", "summary")
_STORED = pa.schema(
    [
        ("source_key", pa.string()),
        ("pk", pa.int64()),
        ("resident_id", pa.int64()),
        ("occurred_on", pa.date32()),
        ("kind", pa.string()),
        ("source_organisation", pa.string()),
        ("summary", pa.string()),
    ]
)

# A partner withdraws a record now and then (an entry made in error, two records merged). An
# extract that would withdraw more than this share of a feed's events in the window, and at least
# WITHDRAWAL_MINIMUM of them, is far likelier a file cut short, or a partial extract sent as a
# whole one, than a partner's decision: publishing it would take months of history off every
# record. The publish stops, naming the feed, unless the operator confirms the withdrawal.
WITHDRAWAL_SHARE = 0.2
WITHDRAWAL_MINIMUM = 1000
# New events per Arrow batch sent to the database.
BATCH = 100_000


def _stored(feed: str) -> pa.Table:
    """The feed's published events, as far as deciding whether each still matches its record."""
    events = ActivityEvent.objects.filter(source_feed=feed).order_by()
    return bulk.select_table(events, ["source_key", "pk", *_MATCHED], _STORED)


def _apply(con, feed: str, since: dt.date, counts: ActivityCounts, allow_withdrawals: bool = False) -> None:
    """Keep new records for ``_insert_new``, update changed ones, delete withdrawn ones (DuckDB's
    ``wanted`` against what is stored); a republish of an unchanged extract touches nothing. Refuses, before writing
    any of them, an extract that would withdraw too much of the feed (``WITHDRAWAL_SHARE``)."""
    con.register("stored", _stored(feed))
    try:
        on_or_after = f"s.occurred_on >= DATE {sql_text(since.isoformat())}"
        in_window, gone = con.execute(
            f"""SELECT count(*), coalesce(list(s.pk) FILTER (WHERE w.source_key IS NULL), [])
            FROM stored AS s LEFT JOIN wanted AS w ON w.source_key = s.source_key WHERE {on_or_after}"""
        ).fetchall()[0]
        if not allow_withdrawals and len(gone) >= WITHDRAWAL_MINIMUM and len(gone) > WITHDRAWAL_SHARE * in_window:
            raise PublishError(
                f"{feed}: this extract would withdraw {len(gone):,} of the {in_window:,} events published "
                f"from it since {since.isoformat()} ({len(gone) / in_window:.0%}). A partner withdraws a few "
                "records at a time, so the file may be cut short or partial. If the partner did withdraw them, "
                "publish again with --allow-withdrawals."
            )
        compared = ", ".join(f"w.{c}" for c in _COMPARED)
        # Kept (``_insert_new``): the feeds' new events go to the database together.
        con.execute(
            f"""{"INSERT INTO new_events" if _exists(con, "new_events") else "CREATE TEMP TABLE new_events AS"}
            SELECT {compared}, w.source_key, {sql_text(feed)} AS source_feed FROM wanted AS w
            WHERE NOT EXISTS (SELECT 1 FROM stored AS s WHERE s.source_key = w.source_key)"""
        )
        differs = " OR ".join(f"w.{c} IS DISTINCT FROM s.{c}" for c in _MATCHED)
        changed = [
            (*row[:-2], None if row[-2] is None else json.loads(row[-2]), row[-1])
            for row in con.execute(
                f"SELECT {compared}, s.pk FROM wanted AS w JOIN stored AS s ON s.source_key = w.source_key "
                f"WHERE {differs}"
            ).fetchall()
        ]
        bulk.update(ActivityEvent, _COMPARED, "id", changed)
        # Nothing refers to a timeline event, so a plain DELETE (no ORM cascade collection) is safe.
        bulk.delete(ActivityEvent, "id", gone)
    finally:
        con.unregister("stored")
    counts.updated += len(changed)
    counts.removed += len(gone)


def _exists(con, table: str) -> bool:
    return bool(con.execute("SELECT count(*) FROM duckdb_tables() WHERE table_name = ?", [table]).fetchall()[0][0])


def _insert_new(con) -> int:
    """Every feed's new events into the database, in the order of the timeline's index (resident,
    date; the record page reads it), and their number. Sorted here, in parallel and before the
    switch: PostgreSQL then appends to the index page after page and sorts nothing in the switch
    transaction. At 1M residents, 9.6M events sorted by PostgreSQL in the switch took ~7 s longer
    than the same rows in order.

    On PostgreSQL they are read in the switch itself (``bulk.Staging.add_later``): ``con`` stays
    open until then and runs nothing more."""
    if not _exists(con, "new_events"):
        return 0
    added = con.execute("SELECT count(*) FROM new_events").fetchall()[0][0]
    events = con.sql("SELECT * FROM new_events ORDER BY resident_id, occurred_on").to_arrow_reader(BATCH)
    bulk.insert_batches(ActivityEvent, [*_COMPARED, "source_key", "source_feed"], events)
    return added
