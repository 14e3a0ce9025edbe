"""The timeline's events are made set-based in DuckDB (decision 0075); these pin the pieces that
replaced a Python call per record to what that call did."""

import datetime as dt
from zoneinfo import ZoneInfo

import duckdb
import pytest

from octopus.publish import timeline


def _half_hours(day: dt.date):
    start = dt.datetime.combine(day, dt.time(0))
    return [start + dt.timedelta(minutes=30 * i) for i in range(8)]


@pytest.mark.parametrize(
    "day", [dt.date(2025, 3, 30), dt.date(2025, 10, 26), dt.date(2026, 3, 29), dt.date(2026, 10, 25)]
)
def test_london_wall_clock_times_become_the_instants_zoneinfo_gives(day):
    """Around both clock changes, including the autumn's repeated hour (zoneinfo's first reading)
    and the spring's missing hour (the offset before the change)."""
    london = ZoneInfo("Europe/London")
    times = _half_hours(day)
    con = duckdb.connect()
    con.execute("SET TimeZone = 'UTC'")
    sql = timeline._local_to_utc("t", "'Europe/London'")
    got = [con.execute(f"SELECT {sql} FROM (SELECT CAST(? AS TIMESTAMP) AS t)", [t]).fetchall()[0][0] for t in times]
    assert got == [t.replace(tzinfo=london).astimezone(dt.UTC) for t in times]


class _Reading(dict):
    """A record that notes which of its columns are read."""

    def __init__(self, *args):
        super().__init__(*args)
        self.read = set()

    def get(self, key, default=None):
        self.read.add(key)
        return super().get(key, default)

    def __getitem__(self, key):
        self.read.add(key)
        return super().__getitem__(key)


@pytest.mark.parametrize("feed", timeline.FEEDS, ids=lambda feed: feed.feed)
def test_each_summary_reads_only_the_columns_it_declares(feed):
    """A summary is made once per distinct combination of its declared columns and given only
    those: a column it read without declaring it would be missing."""
    values = {
        "admission_date": dt.date(2026, 1, 1),
        "discharge_date": dt.date(2026, 1, 4),
        "end_date": dt.date(2026, 2, 1),
        "crisis": True,
        "detained": True,
        "arrival_mode": "ambulance",
    }
    record = _Reading({name: values.get(name, "some_value") for name in feed.summary_columns} | {"other": "x"})
    feed.summary(record)
    assert record.read <= set(feed.summary_columns)
