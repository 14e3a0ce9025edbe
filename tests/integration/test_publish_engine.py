"""Publishing a real engine snapshot: the engine's own column names, the timeline, deaths,
objections and atomicity. One tiny linked extract and pipeline run serve the whole module."""

import datetime as dt
import shutil
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
import pytest
from django.db.models import Count
from threadpoolctl import threadpool_limits

from octopus.core import bulk
from octopus.governance.consent import record_objection
from octopus.governance.models import AuditEvent
from octopus.insights.models import PublishedSnapshot
from octopus.population.pipeline import PipelineConfig, run_pipeline
from octopus.population.simulate import simulate_linked
from octopus.population.testing import write_linked
from octopus.publish import PublishError, publish, timeline
from octopus.publish import snapshot as publish_snapshot
from octopus.residents.models import ActivityEvent, ActivityKind, Resident

pytestmark = pytest.mark.django_db

AS_OF = dt.date(2026, 11, 1)
EXTRA_FEEDS = {
    "persons": [{"person_id": "sim00000"}],
    "deaths": [{"person_id": "sim00003", "date_of_death": dt.date(2026, 10, 20)}],
    "community_contacts": [
        {
            "person_id": "sim00001",
            "contact_date": dt.date(2026, 9, 1),
            "service": "district_nursing",
            "mode": "home_visit",
        },
        {"person_id": "sim00001", "contact_date": dt.date(2020, 1, 1)},
    ],
    "las_incidents": [
        {
            "person_id": "sim00002",
            "incident_datetime": dt.datetime(2026, 8, 1, 3, 15),
            "sender_code": "RRU",
            "outcome": "conveyed",
        }
    ],
    "vcse_contacts": [
        {
            "person_id": "sim00002",
            "contact_date": dt.date(2026, 7, 1),
            "organisation_name": "One Westminster",
            "need_domain": "isolation",
        }
    ],
    "objections": [
        {
            "person_id": "sim00004",
            "sender_code": "X26",
            "source_record_id": "1",
            "nhs_number": "9000000009",
            "objection_type": "national_data_opt_out",
            "recorded_date": dt.date(2025, 1, 1),
        }
    ],
}


@pytest.fixture(scope="module")
def engine(tmp_path_factory):
    root = tmp_path_factory.mktemp("engine")
    linked = simulate_linked(root / "linked", people=300, as_of=AS_OF)
    extra = write_linked(root / "extra", EXTRA_FEEDS)
    for name in EXTRA_FEEDS:
        if name != "persons":
            shutil.copy(extra / f"{name}.parquet", linked / f"{name}.parquet")
    with threadpool_limits(1):  # OpenMP threads fight on a busy two-core test machine
        info = run_pipeline(
            linked, root / "snapshots", as_of=AS_OF, config=PipelineConfig(bootstrap_resamples=5, show_progress=False)
        )
    return linked, info.path


def test_publish_maps_the_engine_columns(engine):
    linked, snapshot = engine
    report = publish(linked / "persons.parquet", snapshot)
    assert report.residents == 300
    scored = Resident.objects.exclude(risk_probability=None)
    assert scored.count() == 298  # neither the resident who died nor the one who opted out is scored
    top = scored.order_by("-risk_probability").first()
    assert top.risk_band == "Very high" and top.flags["risk_band"] == 1
    assert top.risk_factors and all(isinstance(f, str) for f in top.risk_factors)
    assert top.segment and top.frailty_category in {"fit", "mild", "moderate", "severe"}
    assert {
        "current_inpatient",
        "discharged_last_14_days",
        "care_home",
        "emergency_admissions",
        "prior_cost",
        "cancer_overlay",
    } <= set(top.flags)
    with_conditions = [r for r in scored if r.long_term_conditions]
    assert with_conditions and all(
        c[0].isupper() and not c.startswith("ltc_") for c in with_conditions[0].long_term_conditions
    )
    assert Resident.objects.exclude(cohorts=[]).exists()
    assert any("WELC target population" in r.cohorts for r in scored)
    assert PublishedSnapshot.objects.get().manifest["snapshot_dir"] == str(snapshot.resolve())


def test_publish_timeline_events_once_per_source_record(engine):
    linked, snapshot = engine
    first = publish(linked / "persons.parquet", snapshot)
    events = sorted(ActivityEvent.objects.values_list("pk", "source_feed", "source_key"))
    assert first.activity_added == len(events) > 0
    again = publish(linked / "persons.parquet", snapshot)
    assert (again.activity_added, again.activity_updated, again.activity_removed) == (0, 0, 0)
    assert sorted(ActivityEvent.objects.values_list("pk", "source_feed", "source_key")) == events
    nursing = ActivityEvent.objects.get(source_feed="community_contacts")  # the 2020 contact is outside the window
    assert nursing.summary == "District nursing contact (home visit)" and nursing.kind == ActivityKind.COMMUNITY
    ambulance = ActivityEvent.objects.get(source_feed="las_incidents")
    assert ambulance.source_organisation == "London Ambulance Service NHS Trust" and ambulance.occurred_at is not None
    assert ActivityEvent.objects.get(source_feed="vcse_contacts").source_organisation == "One Westminster"


def test_every_feed_s_new_events_go_in_in_the_timeline_index_s_order(engine):
    """The feeds' new events are written together, sorted by resident and date (the timeline's
    index), so the database appends to the index instead of sorting in the switch (decision 0076)."""
    linked, snapshot = engine
    publish(linked / "persons.parquet", snapshot)
    written = list(ActivityEvent.objects.order_by("pk").values_list("resident_id", "occurred_on", "source_feed"))
    assert len({feed for *_, feed in written}) > 3
    assert [row[:2] for row in written] == sorted(row[:2] for row in written)


def _one_by_one(linked: Path, since: dt.date) -> dict[tuple[str, str], tuple]:
    """What each record of the extract should become, made the plain way, a record at a time: the
    definition the set-based timeline (decision 0075) is checked against."""
    from zoneinfo import ZoneInfo

    from octopus.insights.organisations import organisation_names

    residents, names = dict(Resident.objects.values_list("person_id", "pk")), organisation_names()
    london = ZoneInfo("Europe/London")
    events = {}
    for feed in timeline.FEEDS:
        path = linked / f"{feed.feed}.parquet"
        if not path.is_file():
            continue
        for row in pq.read_table(path).to_pylist():
            when = row[feed.date_column]
            when = when.date() if isinstance(when, dt.datetime) else when
            if when is None or when < since or residents.get(row["person_id"]) is None:
                continue
            code = row.get(feed.organisation_column) or row.get("sender_code") or ""
            at = row.get(feed.time_column) if feed.time_column else None
            detail = {
                name: row[name].isoformat() if isinstance(row[name], dt.date) else row[name]
                for name in feed.detail
                if row.get(name) not in (None, "")
            }
            events[(feed.feed, f"{row['sender_code']}:{row['source_record_id']}")] = (
                residents[row["person_id"]],
                when,
                at.replace(tzinfo=london) if at else None,
                str(feed.kind),
                names.get(code, code)[:200],
                feed.summary(row)[:300],
                detail,
            )
    return events


def test_every_published_event_is_what_its_record_says(engine):
    """Every feed's events, field by field, against the record-at-a-time definition."""
    linked, snapshot = engine
    publish(linked / "persons.parquet", snapshot)
    fields = ("resident_id", "occurred_on", "occurred_at", "kind", "source_organisation", "summary", "detail")
    published = {
        (feed, key): tuple(values)
        for feed, key, *values in ActivityEvent.objects.values_list("source_feed", "source_key", *fields)
    }
    expected = _one_by_one(linked, AS_OF - timeline.WINDOW)
    assert published == expected
    assert len({feed for feed, _ in published}) >= 5  # the feeds with records in the window
    assert any(detail for *_, detail in published.values())


def test_a_corrected_record_is_updated_in_place_and_the_last_of_two_records_wins(engine, tmp_path):
    linked, snapshot = engine
    publish(linked / "persons.parquet", snapshot)
    feed, published = _busiest_feed()
    corrected, repeated = sorted(published)[:2]
    before = dict(ActivityEvent.objects.filter(source_feed=feed).values_list("source_key", "pk"))
    copy = tmp_path / "linked"
    shutil.copytree(linked, copy)
    path = copy / f"{feed}.parquet"
    table = pq.read_table(path)
    keys = _keys(table).to_pylist()
    people = table["person_id"].to_pylist()
    # The partner corrects the person on one record and sends another record twice, the second
    # time for a different person: the later record is the one that stands.
    other = next(p for p in people if p != people[keys.index(corrected)])
    second_person = next(p for p in people if p != people[keys.index(repeated)])
    people[keys.index(corrected)] = other
    column = table.schema.get_field_index("person_id")
    table = table.set_column(column, "person_id", pa.array(people, pa.string()))
    again = table.filter(pc.equal(_keys(table), repeated))
    again = again.set_column(column, "person_id", pa.array([second_person], pa.string()))
    pq.write_table(pa.concat_tables([table, again]), path)
    report = publish(copy / "persons.parquet", snapshot)
    assert (report.activity_added, report.activity_updated, report.activity_removed) == (0, 2, 0)
    events = {e.source_key: e for e in ActivityEvent.objects.filter(source_feed=feed)}
    assert {key: e.pk for key, e in events.items()} == before  # updated where they were
    pks = dict(Resident.objects.values_list("person_id", "pk"))
    assert events[corrected].resident_id == pks[other]
    assert events[repeated].resident_id == pks[second_person]


def _scores_one_by_one(snapshot: Path, excluded: set[str]) -> dict[str, dict]:
    """What each scored resident's snapshot fields should be, made a resident at a time: the
    definition the set-based publish of the scores (decision 0075) is checked against."""
    import json
    import math

    from octopus.publish import scores

    def scalar(value):
        return None if value is None or (isinstance(value, float) and math.isnan(value)) else value

    conditions = scores._condition_labels()
    programmes = scores._prevention_programmes()
    names = scores.band_names()
    titles = {c["name"]: c.get("title") or c["name"] for c in json.loads((snapshot / "cohorts.json").read_text())}
    cohorts = {}
    for row in pq.read_table(snapshot / "cohorts.parquet").to_pylist():
        cohorts.setdefault(row["person_id"], []).append(titles.get(row["cohort"], row["cohort"]))
    expected = {}
    for row in pq.read_table(snapshot / "residents.parquet").to_pylist():
        objected = row["person_id"] in excluded or bool(row.get("analytics_excluded"))
        band = scalar(row.get("risk_band"))
        fields = {
            field: scalar(row.get(column)) if scalar(row.get(column)) is not None else scores._EMPTY.get(field, "")
            for column, field in scores.SNAPSHOT_FIELDS.items()
        }
        fields["risk_centile"] = None if fields["risk_centile"] is None else float(fields["risk_centile"])
        fields["rising_risk_reason"] = (fields["rising_risk_reason"] or "")[:300]
        fields |= {
            "snapshot_run_id": snapshot.name,
            "snapshot_as_of": AS_OF,
            "risk_band": names.get(band, "" if band is None else str(band)[:20]),
            "risk_factors": scores._factors(row.get("top_factors")),
            "long_term_conditions": [label for column, label in conditions.items() if row.get(column)],
            "cohorts": cohorts.get(row["person_id"], []),
            "prevention_gaps": scores._gaps(row, programmes),
            "flags": {name: scalar(row.get(name)) for name in scores.SNAPSHOT_FLAGS if name in row},
        }
        if objected:
            fields |= {field: scores._EMPTY.get(field, "") for field in scores.ANALYTICS_FIELDS}
            fields["flags"].pop("risk_band", None)
            fields["flags"]["analytics_excluded"] = True
        expected[row["person_id"]] = fields
    return expected


def test_every_resident_s_scores_are_what_the_snapshot_says(engine):
    """Every published field of every scored resident, against the resident-at-a-time definition,
    for a resident who objected here as well as those who objected in the feed."""
    linked, snapshot = engine
    publish(linked / "persons.parquet", snapshot)
    objector = Resident.objects.exclude(long_term_conditions=[]).exclude(risk_band="").order_by("pk").first()
    record_objection(actor=None, resident=objector, kind="national_data_opt_out", source="GP feed")
    publish(linked / "persons.parquet", snapshot)
    expected = _scores_one_by_one(snapshot, {objector.person_id})
    fields = list(next(iter(expected.values())))
    published = {row.pop("person_id"): row for row in Resident.objects.values("person_id", *fields)}
    assert {person: published[person] for person in expected} == expected
    assert expected[objector.person_id]["flags"]["analytics_excluded"] is True
    assert any(v["prevention_gaps"] for v in expected.values()) and any(v["cohorts"] for v in expected.values())
    assert any(v["risk_factors"] for v in expected.values()) and any(
        v["long_term_conditions"] for v in expected.values()
    )


def test_publish_deaths_set_for_new_and_recorded_through_care_for_known(engine, monkeypatch):
    linked, snapshot = engine
    publish(linked / "persons.parquet", snapshot)
    assert Resident.objects.get(person_id="sim00003").date_of_death == dt.date(2026, 10, 20)
    Resident.objects.filter(person_id="sim00003").update(date_of_death=None)
    calls = []
    monkeypatch.setattr(
        "octopus.care.services.record_death",
        lambda resident, date, source, actor: calls.append((resident.person_id, date, source, actor)),
    )
    report = publish(linked / "persons.parquet", snapshot)
    assert calls == [("sim00003", dt.date(2026, 10, 20), "deaths feed", None)] and report.deaths == 1


def test_publish_withholds_analytics_for_residents_who_objected(engine):
    linked, snapshot = engine
    publish(linked / "persons.parquet", snapshot)
    resident = Resident.objects.exclude(long_term_conditions=[]).exclude(risk_band="").first()
    record_objection(actor=None, resident=resident, kind="national_data_opt_out", source="GP feed")
    conditions = resident.long_term_conditions
    publish(linked / "persons.parquet", snapshot)
    resident.refresh_from_db()
    assert (
        resident.risk_probability,
        resident.risk_centile,
        resident.risk_band,
        resident.segment,
        resident.cohorts,
        resident.risk_factors,
        resident.rising_risk,
    ) == (None, None, "", "", [], [], False)
    assert resident.long_term_conditions == conditions and resident.flags["analytics_excluded"] is True
    assert "risk_band" not in resident.flags


def test_publish_failure_keeps_the_previous_snapshot_in_service_and_a_rerun_completes_it(engine, monkeypatch):
    """Batches commit alone (decision 0024): a failure part-way leaves the previous snapshot in
    service and is not announced as published; publishing again completes what was started."""
    linked, snapshot = engine
    publish(linked / "persons.parquet", snapshot)
    complete = (list(Resident.objects.order_by("pk").values()), ActivityEvent.objects.count())
    ActivityEvent.objects.filter(source_feed="vcse_contacts").delete()
    Resident.objects.update(risk_band="", date_of_death=None)
    PublishedSnapshot.objects.all().delete()
    published_entries = AuditEvent.objects.filter(summary__startswith="Published snapshot").count()

    def broken(*args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(publish_snapshot, "record_deaths", broken)
    with pytest.raises(RuntimeError, match="disk full"):
        publish(linked / "persons.parquet", snapshot)
    assert not PublishedSnapshot.objects.exists()
    assert AuditEvent.objects.filter(summary__startswith="Published snapshot").count() == published_entries
    monkeypatch.undo()
    publish(linked / "persons.parquet", snapshot)
    assert (list(Resident.objects.order_by("pk").values()), ActivityEvent.objects.count()) == complete
    assert PublishedSnapshot.objects.get().run_id == snapshot.name


@pytest.mark.django_db(transaction=True)
def test_publish_commits_batch_by_batch_so_no_transaction_spans_it(engine, monkeypatch):
    """SQLite: every write happens in a short transaction of its own, never inside one spanning the publish."""
    from django.db import connection

    if connection.vendor == "postgresql":
        pytest.skip("PostgreSQL stages the publish and switches it in one transaction (tested below)")
    depths = []
    original = bulk._execute

    def watching(sql, rows):
        depths.append(len(connection.savepoint_ids) + connection.in_atomic_block)
        return original(sql, rows)

    monkeypatch.setattr(bulk, "_execute", watching)
    linked, snapshot = engine
    publish(linked / "persons.parquet", snapshot)
    assert depths and set(depths) == {0}


def test_publish_withholds_analytics_for_objectors_from_the_objections_feed(engine):
    linked, snapshot = engine
    publish(linked / "persons.parquet", snapshot)
    resident = Resident.objects.get(person_id="sim00004")
    assert (
        resident.risk_probability,
        resident.risk_centile,
        resident.risk_band,
        resident.segment,
        resident.cohorts,
        resident.rising_risk,
    ) == (None, None, "", "", [], False)
    assert resident.flags["analytics_excluded"] is True and "current_inpatient" in resident.flags


@pytest.mark.django_db(transaction=True)
def test_publish_on_postgresql_is_staged_and_switched_in_one_transaction(engine, monkeypatch):
    """Decision 0057: nothing reaches the live tables until the switch, which is one transaction."""
    from django.db import connection

    if connection.vendor != "postgresql":
        pytest.skip("SQLite commits batch by batch (tested above)")
    linked, snapshot = engine
    seen = {}
    original = bulk.Staging.apply

    def switching(staging):
        seen["before"] = (Resident.objects.count(), ActivityEvent.objects.count())
        seen["staged rows"] = staging.rows
        seen["later"] = [signature[1] for signature in staging.later]
        seen["atomic"] = connection.in_atomic_block
        original(staging)
        seen["switched rows"] = staging.rows

    monkeypatch.setattr(bulk.Staging, "apply", switching)
    report = publish(linked / "persons.parquet", snapshot)
    assert seen["before"] == (0, 0) and not seen["atomic"]
    assert seen["staged rows"] > report.residents  # persons and scores, staged
    # The timeline's new events are made before the switch and COPYed into the live table in it.
    assert seen["later"] == ["residents_activityevent"]
    assert seen["switched rows"] == seen["staged rows"] + report.activity_added > seen["staged rows"]
    assert Resident.objects.count() == 300 and ActivityEvent.objects.count() == report.activity_added
    with connection.cursor() as cursor:  # the staging tables went with the switch
        cursor.execute("SELECT count(*) FROM pg_class WHERE relname LIKE 'octopus_staging_%%' AND relpersistence = 't'")
        assert cursor.fetchone()[0] == 0


@pytest.mark.django_db(transaction=True)
def test_publish_on_postgresql_that_fails_while_staging_changes_nothing(engine, monkeypatch):
    from django.db import connection

    if connection.vendor != "postgresql":
        pytest.skip("SQLite commits batch by batch; its failure case is tested above")
    linked, snapshot = engine
    publish(linked / "persons.parquet", snapshot)
    complete = (list(Resident.objects.order_by("pk").values()), ActivityEvent.objects.count())
    ActivityEvent.objects.filter(source_feed="vcse_contacts").delete()
    Resident.objects.update(risk_band="")
    changed = (list(Resident.objects.order_by("pk").values()), ActivityEvent.objects.count())

    def broken(*args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(publish_snapshot, "publish_activity", broken)
    with pytest.raises(RuntimeError, match="disk full"):
        publish(linked / "persons.parquet", snapshot)
    assert (list(Resident.objects.order_by("pk").values()), ActivityEvent.objects.count()) == changed
    monkeypatch.undo()
    publish(linked / "persons.parquet", snapshot)
    assert (list(Resident.objects.order_by("pk").values()), ActivityEvent.objects.count()) == complete


@pytest.mark.django_db(transaction=True)
def test_staged_events_naming_no_resident_roll_the_switch_back(engine):
    """Decision 0070: the timeline's key to the resident has no database constraint; the switch
    checks it once, set-based, and a missing resident undoes the whole switch."""
    from django.db import IntegrityError, connection

    from octopus.residents.factories import make_resident

    if connection.vendor != "postgresql":
        pytest.skip("only PostgreSQL stages and switches (decision 0057)")
    resident = make_resident()
    columns = [
        "resident_id",
        "occurred_on",
        "kind",
        "source_organisation",
        "summary",
        "detail",
        "source_feed",
        "source_key",
    ]
    event = [AS_OF, ActivityKind.GP, "X", "GP appointment", {}, "gp_appointments", "X:1"]
    with pytest.raises(IntegrityError, match=r"resident_id = 987654321 names no row of residents_resident \(1 such"):
        with bulk.staged():
            bulk.update(Resident, ["sex"], "id", [["male", resident.pk]])
            bulk.insert(ActivityEvent, columns, [[resident.pk, *event], [987654321, *event]])
    resident.refresh_from_db()
    assert resident.sex == "female" and not ActivityEvent.objects.exists()
    with bulk.staged():
        bulk.insert(ActivityEvent, columns, [[resident.pk, *event]])
    assert list(resident.activity.values_list("summary", flat=True)) == ["GP appointment"]


@pytest.mark.django_db(transaction=True)
def test_events_copied_in_the_switch_naming_no_resident_roll_it_back(engine):
    """The same check for new events COPYed straight into the live table in the switch
    (``insert_batches``, ``Staging.add_later``): their residents are collected as they are sent."""
    import pyarrow as pa
    from django.db import IntegrityError, connection

    from octopus.residents.factories import make_resident

    resident = make_resident()
    columns = ["resident_id", "occurred_on", "kind", "source_organisation", "summary", "detail", "source_key"]

    def events(*residents: int) -> list[pa.RecordBatch]:
        return [
            pa.RecordBatch.from_arrays(
                [
                    pa.array([pk], pa.int64()),
                    pa.array([AS_OF], pa.date32()),
                    pa.array(["gp"]),
                    pa.array(["X"]),
                    pa.array(["GP appointment"]),
                    pa.array(["{}"]),
                    pa.array([f"X:{i}"]),
                ],
                names=columns,
            )
            for i, pk in enumerate(residents)
        ]

    closed = []
    if connection.vendor != "postgresql":
        # SQLite stages nothing (decision 0024): the batches go straight in and their maker is
        # closed at once; the key is the ORM's to keep, as for every other SQLite write.
        with bulk.staged():
            bulk.insert_batches(ActivityEvent, columns, events(resident.pk, resident.pk), {"source_feed": "gp"})
            bulk.after_switch(lambda: closed.append(True))
            assert closed == [True] and ActivityEvent.objects.count() == 2
        assert list(resident.activity.values_list("source_key", flat=True).order_by("source_key")) == ["X:0", "X:1"]
        return
    with pytest.raises(IntegrityError, match=r"resident_id = 987654321 names no row of residents_resident \(1 such"):
        with bulk.staged():
            bulk.update(Resident, ["sex"], "id", [["male", resident.pk]])
            bulk.insert_batches(
                ActivityEvent, columns, events(resident.pk, 987654321, resident.pk), {"source_feed": "gp"}
            )
            bulk.after_switch(lambda: closed.append(True))
    resident.refresh_from_db()
    assert resident.sex == "female" and not ActivityEvent.objects.exists() and closed == [True]
    with connection.cursor() as cursor:  # the keys' tables went with the failed switch
        cursor.execute("SELECT count(*) FROM pg_class WHERE relname LIKE 'octopus_staging_%%' AND relpersistence = 't'")
        assert cursor.fetchone()[0] == 0
    with bulk.staged():
        bulk.insert_batches(ActivityEvent, columns, events(resident.pk, resident.pk), {"source_feed": "gp"})
    assert list(resident.activity.values_list("source_key", flat=True).order_by("source_key")) == ["X:0", "X:1"]


def test_deleting_a_resident_still_deletes_their_timeline(engine):
    from octopus.residents.factories import make_activity, make_resident

    resident, other = make_resident(), make_resident()
    make_activity(resident), make_activity(other)
    resident.delete()
    assert list(ActivityEvent.objects.values_list("resident_id", flat=True)) == [other.pk]


@pytest.mark.django_db(transaction=True)
def test_the_switch_does_not_wait_for_a_writer_holding_the_residents_table(engine):
    """The check locks the residents table against writers only if it can at once (NOWAIT); a page
    saving a resident meanwhile is not made to wait, nor deadlocked, and the check still runs."""
    import psycopg
    from django.db import connection

    from octopus.residents.factories import make_resident

    if connection.vendor != "postgresql":
        pytest.skip("only PostgreSQL stages and switches (decision 0057)")
    resident, edited = make_resident(), make_resident()
    params = connection.get_connection_params()
    with psycopg.connect(**{k: v for k, v in params.items() if k != "cursor_factory"}) as other:
        other.execute("SET lock_timeout = '20s'")
        other.execute("UPDATE residents_resident SET given_name = 'Sam' WHERE id = %s", [edited.pk])
        columns = ["resident_id", "occurred_on", "kind", "source_organisation", "summary", "detail", "source_feed"]
        with bulk.staged():
            bulk.insert(ActivityEvent, [*columns, "source_key"], [[resident.pk, AS_OF, "gp", "X", "GP", {}, "gp", "1"]])
        other.commit()
    assert ActivityEvent.objects.get().resident == resident
    edited.refresh_from_db()
    assert edited.given_name == "Sam"


def _without(linked, tmp_path, feed: str, keep) -> Path:
    """A copy of the linked extract whose ``feed`` file keeps only the rows ``keep`` (a mask over
    the file's table) selects: the partner's next extract."""
    copy = tmp_path / "linked"
    shutil.copytree(linked, copy)
    path = copy / f"{feed}.parquet"
    table = pq.read_table(path)
    pq.write_table(table.filter(keep(table)), path)
    return copy


def _keys(table) -> pa.Array:
    return pc.binary_join_element_wise(table["sender_code"], table["source_record_id"].cast(pa.string()), ":")


def _busiest_feed() -> tuple[str, set[str]]:
    row = ActivityEvent.objects.values("source_feed").annotate(n=Count("id")).order_by("-n", "source_feed").first()
    feed = row["source_feed"]
    return feed, set(ActivityEvent.objects.filter(source_feed=feed).values_list("source_key", flat=True))


def test_a_record_the_partner_withdrew_leaves_the_timeline(engine, tmp_path):
    linked, snapshot = engine
    publish(linked / "persons.parquet", snapshot)
    feed, published = _busiest_feed()
    withdrawn = min(published)
    next_extract = _without(linked, tmp_path, feed, lambda t: pc.not_equal(_keys(t), withdrawn))
    report = publish(next_extract / "persons.parquet", snapshot)
    assert (report.activity_added, report.activity_updated, report.activity_removed) == (0, 0, 1)
    assert set(ActivityEvent.objects.filter(source_feed=feed).values_list("source_key", flat=True)) == published - {
        withdrawn
    }


def test_a_feed_that_would_withdraw_most_of_its_timeline_is_refused_until_confirmed(engine, tmp_path, monkeypatch):
    """A file cut short would take most of a feed's history off every record: the publish stops,
    naming the feed, with the timeline as it was, and goes ahead only when the operator says the
    partner did withdraw those records."""
    linked, snapshot = engine
    publish(linked / "persons.parquet", snapshot)
    feed, published = _busiest_feed()
    kept = min(published)
    assert len(published) >= 3
    before = sorted(ActivityEvent.objects.values_list("pk", "source_feed", "source_key", "summary"))
    in_service = PublishedSnapshot.objects.get().published_at
    cut_short = _without(linked, tmp_path, feed, lambda t: pc.equal(_keys(t), kept))
    monkeypatch.setattr(timeline, "WITHDRAWAL_MINIMUM", 2)  # this extract is tiny; London's feeds are not
    expected = rf"^{feed}: this extract would withdraw {len(published) - 1} of the {len(published)} events published"
    with pytest.raises(PublishError, match=expected):
        publish(cut_short / "persons.parquet", snapshot)
    assert sorted(ActivityEvent.objects.values_list("pk", "source_feed", "source_key", "summary")) == before
    assert PublishedSnapshot.objects.get().published_at == in_service  # the previous publish stays in service

    report = publish(cut_short / "persons.parquet", snapshot, allow_withdrawals=True)
    assert report.activity_removed == len(published) - 1
    assert set(ActivityEvent.objects.filter(source_feed=feed).values_list("source_key", flat=True)) == {kept}


def test_stored_rows_read_back_as_arrow_keep_quotes_commas_newlines_and_empty_text(engine):
    """What the publish compares against (on PostgreSQL a CSV COPY parsed by Arrow) is what was stored."""
    from octopus.residents.factories import make_activity, make_resident

    resident = make_resident()
    awkward = ['He said "no", then left\nthe ward', "", "plain"]
    for n, summary in enumerate(awkward):
        make_activity(resident, summary=summary, source_feed="f", source_key=f"k{n}", source_organisation="")
    table = timeline._stored("f").sort_by("source_key")
    assert table["summary"].to_pylist() == awkward
    assert table["source_organisation"].to_pylist() == ["", "", ""]
    assert table["resident_id"].to_pylist() == [resident.pk] * 3 and table["pk"].null_count == 0


def test_progress_is_reported_only_while_the_database_connection_is_free(engine):
    """The pipeline page's progress writes to its job row; a report made while a COPY was streaming
    waited for the connection forever (PostgreSQL). Each report here writes to the database and,
    on PostgreSQL, notes whether a command was still in progress on the connection."""
    from django.db import connection

    linked, snapshot = engine
    busy = []

    def progress(rows: int) -> None:
        if connection.vendor == "postgresql":
            import psycopg

            busy.append(connection.connection.info.transaction_status == psycopg.pq.TransactionStatus.ACTIVE)
            if busy[-1]:
                return  # writing now would wait forever: the assertion below reports it instead
        Resident.objects.filter(pk=0).update(given_name="")

    report = publish(linked / "persons.parquet", snapshot, progress=progress)
    assert report.residents == 300 and not any(busy)
