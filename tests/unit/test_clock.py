"""Today is London's today, whatever the server's clock says."""

import datetime as dt

import pytest

from octopus.clock import LONDON, london_time, london_today, utc_stamp

pytestmark = pytest.mark.clock


def test_london_today_is_tomorrow_after_midnight_in_summer(time_machine):
    time_machine.move_to(dt.datetime(2027, 6, 30, 23, 30, tzinfo=dt.UTC), tick=False)
    assert london_today() == dt.date(2027, 7, 1)


def test_london_today_matches_utc_in_winter(time_machine):
    time_machine.move_to(dt.datetime(2026, 12, 31, 23, 59, tzinfo=dt.UTC), tick=False)
    assert london_today() == dt.date(2026, 12, 31)


def test_london_today_agrees_with_django_localdate_at_any_hour(time_machine):
    from django.utils import timezone

    for moment in ("2027-03-28T00:59", "2027-03-28T01:00", "2027-10-31T00:30", "2027-10-31T01:30", "2028-02-29T23:30"):
        time_machine.move_to(dt.datetime.fromisoformat(moment).replace(tzinfo=dt.UTC), tick=False)
        assert london_today() == timezone.localdate(), moment


@pytest.mark.parametrize(
    ("utc", "london"),
    [
        ("2027-03-28T00:30:00", "2027-03-28T00:30:00+00:00"),  # the last half hour of GMT
        ("2027-03-28T01:30:00", "2027-03-28T02:30:00+01:00"),  # 01:00–02:00 never happens in London
        ("2027-10-31T00:30:00", "2027-10-31T01:30:00+01:00"),  # the first 01:30 (BST)
        ("2027-10-31T01:30:00", "2027-10-31T01:30:00+00:00"),  # the second 01:30 (GMT)
    ],
)
def test_stored_utc_stamps_read_back_as_london_time(utc, london):
    shown = london_time(dt.datetime.fromisoformat(utc))
    assert shown.isoformat() == london
    assert shown.tzinfo == LONDON


def test_utc_stamp_is_naive_utc_to_the_second(time_machine):
    time_machine.move_to(dt.datetime(2027, 7, 1, 8, 15, 30, 123456, tzinfo=dt.UTC), tick=False)
    assert utc_stamp() == dt.datetime(2027, 7, 1, 8, 15, 30)
    assert london_time(None) is None
