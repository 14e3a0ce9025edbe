"""A series' timetable: the words people read and the dates Octopus plans from it."""

import datetime as dt

from octopus.meetings.timetable import dates, describe

MONDAY = dt.date(2026, 11, 23)


def test_describe_a_twice_weekly_huddle():
    assert describe([4, 1], dt.time(9, 0), 30, "weekly") == "Tuesdays and Fridays, 09:00–09:30"


def test_describe_every_other_week_and_monthly():
    assert describe([3], dt.time(13, 0), 120, "fortnightly") == "Every other Thursday, 13:00–15:00"
    assert describe([0], dt.time(14, 0), 90, "monthly") == "First Monday of the month, 14:00–15:30"
    assert describe([0, 2, 4], dt.time(8, 30), 30, "weekly") == "Mondays, Wednesdays and Fridays, 08:30–09:00"


def test_dates_weekly_on_two_days():
    assert dates([1, 4], "weekly", anchor=MONDAY, start=MONDAY, end=MONDAY + dt.timedelta(days=14)) == [
        dt.date(2026, 11, 24),
        dt.date(2026, 11, 27),
        dt.date(2026, 12, 1),
        dt.date(2026, 12, 4),
    ]


def test_dates_every_other_week_count_from_the_anchor_week():
    anchor = dt.date(2026, 11, 26)  # a Thursday
    got = dates(
        [3], "fortnightly", anchor=anchor, start=MONDAY + dt.timedelta(days=7), end=MONDAY + dt.timedelta(days=36)
    )
    assert got == [dt.date(2026, 12, 10), dt.date(2026, 12, 24)]


def test_dates_monthly_on_the_first_of_the_weekday():
    assert dates([0], "monthly", anchor=MONDAY, start=MONDAY, end=dt.date(2027, 2, 1)) == [
        dt.date(2026, 12, 7),
        dt.date(2027, 1, 4),
    ]


def test_dates_never_before_the_anchor():
    assert dates([0], "weekly", anchor=dt.date(2026, 12, 1), start=MONDAY, end=dt.date(2026, 12, 15)) == [
        dt.date(2026, 12, 7),
        dt.date(2026, 12, 14),
    ]
