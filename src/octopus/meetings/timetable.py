"""When a series meets: the words people read and the dates that follow from its weekdays, start
time, length and frequency. Date arithmetic only, no database, so it is tested on its own."""

import datetime as dt
from collections.abc import Sequence

WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")


def _and(words: Sequence[str]) -> str:
    return words[0] if len(words) == 1 else f"{', '.join(words[:-1])} and {words[-1]}"


def describe(weekdays: Sequence[int], start: dt.time, minutes: int, frequency: str) -> str:
    """The timetable in words: "Tuesdays and Fridays, 09:00–09:30", "Every other Thursday,
    13:00–15:00", "First Monday of the month, 14:00–15:30"."""
    days = [WEEKDAYS[d] for d in sorted(set(weekdays))]
    end = (dt.datetime.combine(dt.date(2000, 1, 1), start) + dt.timedelta(minutes=minutes)).time()
    times = f"{start:%H:%M}–{end:%H:%M}"
    if frequency == "fortnightly":
        return f"Every other {_and(days)}, {times}"
    if frequency == "monthly":
        return f"First {_and(days)} of the month, {times}"
    return f"{_and([d + 's' for d in days])}, {times}"


def _monday(day: dt.date) -> dt.date:
    return day - dt.timedelta(days=day.weekday())


def dates(weekdays: Sequence[int], frequency: str, *, anchor: dt.date, start: dt.date, end: dt.date) -> list[dt.date]:
    """Meeting days from ``start`` up to but not including ``end``, never before ``anchor``.
    Every other week counts weeks from the week of ``anchor``."""
    found = []
    day = max(start, anchor)
    while day < end:
        if day.weekday() in weekdays:
            if frequency == "fortnightly":
                wanted = (_monday(day) - _monday(anchor)).days // 7 % 2 == 0
            elif frequency == "monthly":
                wanted = day.day <= 7  # the first such weekday of its month
            else:
                wanted = True
            if wanted:
                found.append(day)
        day += dt.timedelta(days=1)
    return found
