"""Loading deliveries: idempotent, superseding by record key, atomic, with provenance."""

import csv
import os
import subprocess
import sys
import time
from pathlib import Path

from octopus.population.feeds import load
from octopus.population.feeds.load import SLEEP_MID_LOAD_ENV, LoadResult, load_file, load_files
from octopus.population.feeds.quarantine import export_quarantine
from octopus.population.feeds.store import FeedStore
from octopus.population.feeds.validate import FeedRejected, read_batches
from tests.fixtures.feeds_factory import write_csv

FILES = Path(__file__).parents[2] / "fixtures" / "feeds"
SRC = Path(__file__).parents[3] / "src"


def _state(store):
    con = store.connection
    return (
        con.execute(
            "SELECT delivery_id, feed, row_count, loaded_rows, quarantined_rows FROM deliveries ORDER BY 1"
        ).fetchall(),
        con.execute("SELECT * EXCLUDE (_delivered_at) FROM feed_apc_spells ORDER BY ALL").fetchall(),
        con.execute("SELECT * FROM quarantine ORDER BY ALL").fetchall(),
    )


def test_loading_same_file_twice_changes_nothing(tmp_path):
    with FeedStore.open(tmp_path) as store:
        first = load_file(store, FILES / "apc_spells__RYJ__bad_dates.csv")
        before = _state(store)
        again = load_file(store, FILES / "apc_spells__RYJ__bad_dates.csv")
        assert again.status == "already loaded"
        assert again.delivery_id == first.delivery_id
        assert _state(store) == before


def test_newer_delivery_supersedes_older_rows_by_key(tmp_path):
    rows = list(csv.DictReader((FILES / "apc_spells__RYJ__good.csv").open()))
    columns = list(rows[0])
    corrected = [dict(row, discharge_destination="care_home") for row in rows[:5]]
    newer = write_csv(tmp_path / "apc_spells__RYJ__20261201.csv", columns, corrected)
    with FeedStore.open(tmp_path / "var") as store:
        load_file(store, FILES / "apc_spells__RYJ__good.csv")
        result = load_file(store, newer)
        con = store.connection
        assert result.superseded_rows == 5
        assert con.execute("SELECT count(*) FROM feed_apc_spells").fetchone() == (45,)
        current = con.execute(
            "SELECT discharge_destination, _file_name, count(*) "
            f"FROM ({store.current_rows_sql('apc_spells')}) GROUP BY ALL ORDER BY 1"
        ).fetchall()
        assert current == [
            ("care_home", "apc_spells__RYJ__20261201.csv", 5),
            ("usual_residence", "apc_spells__RYJ__good.csv", 35),
        ]
        superseded_by = con.execute(
            "SELECT DISTINCT _superseded_by FROM feed_apc_spells WHERE _superseded_by IS NOT NULL"
        ).fetchall()
        assert superseded_by == [(result.delivery_id,)]


def test_files_loaded_together_each_stay_all_or_nothing(tmp_path, monkeypatch):
    # Tiny batches, so the ragged file's first rows are staged before its bad line is reached.
    monkeypatch.setattr(load, "read_batches", lambda path, feed, contracts: read_batches(path, feed, contracts, 256))
    rows = list(csv.DictReader((FILES / "apc_spells__RYJ__good.csv").open()))
    newer = write_csv(
        tmp_path / "apc_spells__RYJ__20261201.csv",
        list(rows[0]),
        [dict(row, discharge_destination="care_home") for row in rows[:5]],
    )
    ragged = tmp_path / "apc_spells__RYJ__ragged_at_the_end.csv"
    ragged.write_text((FILES / "apc_spells__RYJ__good.csv").read_text().replace(",RYJ,", ",RYH,") + "RYJ,APC9,HP9\n")
    paths = [
        FILES / "apc_spells__RYJ__good.csv",
        ragged,
        FILES / "apc_spells__RYJ__over_threshold.csv",
        FILES / "apc_spells__RYJ__bad_dates.csv",
        newer,
    ]
    with FeedStore.open(tmp_path / "together") as store:
        outcomes = list(load_files(store, paths))
        assert store.connection.execute("SELECT count(*) FROM _staging WHERE _file = 1").fetchone()[0] > 0
        together = _state(store)
        refused = store.connection.execute("SELECT file_name FROM rejections ORDER BY 1").fetchall()
    assert [path for path, _ in outcomes] == paths
    assert [outcome.status if isinstance(outcome, LoadResult) else "rejected" for _, outcome in outcomes] == [
        "loaded",
        "rejected",
        "rejected",
        "loaded",
        "loaded",
    ]
    assert outcomes[-1][1].superseded_rows == 5
    assert refused == [("apc_spells__RYJ__over_threshold.csv",), (ragged.name,)]
    with FeedStore.open(tmp_path / "one_by_one") as store:
        for path in paths:
            try:
                load_file(store, path)
            except FeedRejected:
                pass
        assert _state(store) == together


def test_same_file_twice_in_one_load_is_loaded_once(tmp_path):
    good = FILES / "apc_spells__RYJ__good.csv"
    with FeedStore.open(tmp_path) as store:
        (_, first), (_, second) = load_files(store, [good, good])
        assert (first.status, second.status) == ("loaded", "already loaded")
        assert store.connection.execute("SELECT count(*) FROM feed_apc_spells").fetchone() == (40,)


def test_rows_keep_provenance(tmp_path):
    with FeedStore.open(tmp_path) as store:
        result = load_file(store, FILES / "apc_spells__RYJ__good.csv")
        row = store.connection.execute(
            "SELECT _delivery_id, _file_name, _row_number, _delivered_at IS NOT NULL "
            "FROM feed_apc_spells WHERE _row_number = 7"
        ).fetchone()
        assert row == (result.delivery_id, "apc_spells__RYJ__good.csv", 7, True)


def test_repeated_key_in_one_file_is_quarantined(tmp_path):
    rows = list(csv.DictReader((FILES / "apc_spells__RYJ__good.csv").open()))
    rows.append(dict(rows[2]))
    path = write_csv(tmp_path / "apc_spells__RYJ__dup.csv", list(rows[0]), rows)
    with FeedStore.open(tmp_path / "var") as store:
        result = load_file(store, path)
        assert (result.loaded_rows, result.quarantined_rows) == (40, 1)
        reason = store.connection.execute("SELECT row_number, reason FROM quarantine").fetchone()
        assert reason == (
            41,
            "repeats the record key (RYJ, " + rows[2]["source_record_id"] + ") of row 3 in the same file",
        )


def test_quarantine_exports_as_csv(tmp_path):
    with FeedStore.open(tmp_path / "var") as store:
        load_file(store, FILES / "apc_spells__RYJ__bad_dates.csv")
        count = export_quarantine(store, tmp_path / "q.csv", feed="apc_spells")
    exported = list(csv.DictReader((tmp_path / "q.csv").open()))
    assert count == 3
    assert [(r["row_number"], r["field"], r["reason"]) for r in exported] == [
        ("5", "discharge_date", "is before admission_date"),
        ("9", "admission_date", "is in the future"),
        ("9", "discharge_date", "is in the future"),
    ]


def test_parquet_delivery_loads_like_csv(tmp_path):
    import pyarrow.csv as pa_csv
    import pyarrow.parquet as pq

    from octopus.population.feeds.contract import load_contracts

    schema = load_contracts()["apc_spells"].arrow_schema()
    table = pa_csv.read_csv(
        FILES / "apc_spells__RYJ__good.csv",
        convert_options=pa_csv.ConvertOptions(column_types=schema, strings_can_be_null=True),
    )
    pq.write_table(table.cast(schema), tmp_path / "apc_spells__RYJ__good.parquet")
    with FeedStore.open(tmp_path / "var") as store:
        result = load_file(store, tmp_path / "apc_spells__RYJ__good.parquet")
        assert (result.loaded_rows, result.quarantined_rows) == (40, 0)


def test_load_killed_mid_way_leaves_nothing_and_rerun_completes(tmp_path):
    command = [
        sys.executable,
        "-c",
        "from octopus.population.feeds.cli import app; app()",
        "load",
        "--data-dir",
        str(tmp_path),
        str(FILES / "apc_spells__RYJ__good.csv"),
    ]
    env = dict(os.environ, PYTHONPATH=str(SRC), **{SLEEP_MID_LOAD_ENV: "60"})
    process = subprocess.Popen(command, env=env, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 60
    for line in process.stderr:
        if "mid-load pause" in line or time.monotonic() > deadline:
            break
    process.kill()
    process.wait()
    with FeedStore.open(tmp_path) as store:
        assert store.connection.execute("SELECT count(*) FROM deliveries").fetchone() == (0,)
        assert store.connection.execute("SELECT count(*) FROM feed_apc_spells").fetchone() == (0,)
    env.pop(SLEEP_MID_LOAD_ENV)
    subprocess.run(command, env=env, check=True, capture_output=True)
    with FeedStore.open(tmp_path) as store:
        assert store.connection.execute("SELECT count(*), sum(loaded_rows) FROM deliveries").fetchone() == (1, 40)
        assert store.connection.execute("SELECT count(*) FROM feed_apc_spells").fetchone() == (40,)


def test_in_the_future_means_after_londons_today_not_the_engines_clock(tmp_path, time_machine):
    """00:30 on 1 July in London is still 30 June in UTC (and in DuckDB's current_date): a row
    dated 1 July is today's, not the future's; one dated 2 July is refused."""
    import datetime as dt

    time_machine.move_to(dt.datetime(2027, 6, 30, 23, 30, tzinfo=dt.UTC), tick=False)
    rows = list(csv.DictReader((FILES / "apc_spells__RYJ__good.csv").open()))
    rows[0].update(admission_date="2027-07-01", discharge_date="")
    rows[1].update(admission_date="2027-07-02", discharge_date="")
    path = write_csv(tmp_path / "apc_spells__RYJ__july.csv", list(rows[0]), rows)
    with FeedStore.open(tmp_path / "var") as store:
        result = load_file(store, path)
        reasons = store.connection.execute("SELECT row_number, field, reason FROM quarantine ORDER BY 1, 2").fetchall()
    assert (result.loaded_rows, result.quarantined_rows) == (len(rows) - 1, 1)
    assert reasons == [(2, "admission_date", "is in the future")]
