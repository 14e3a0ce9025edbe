"""How values are written on screen: one place so every page says dates and numbers alike."""

import datetime as dt

from django.utils import timezone


def date(value: dt.date | dt.datetime | None, missing: str = "Not recorded") -> str:
    if value is None:
        return missing
    if isinstance(value, dt.datetime):
        value = timezone.localtime(value) if timezone.is_aware(value) else value
        return value.strftime("%-d %B %Y at %H:%M")
    return value.strftime("%-d %B %Y")


def short_date(value: dt.date | dt.datetime | None, missing: str = "–") -> str:
    if value is None:
        return missing
    if isinstance(value, dt.datetime) and timezone.is_aware(value):
        value = timezone.localtime(value)
    return value.strftime("%-d %b %Y")


def number(value: int | float | None, places: int = 0) -> str:
    if value is None:
        return "–"
    return f"{value:,.{places}f}"


def percent(value: float | None, places: int = 1) -> str:
    if value is None:
        return "–"
    return f"{value * 100:.{places}f}%"


def nhs_number(value: str | None) -> str:
    """NHS numbers are shown 3-3-4, as the NHS Identity guidelines ask."""
    if not value:
        return "Not known"
    digits = "".join(ch for ch in str(value) if ch.isdigit())
    if len(digits) != 10:
        return str(value)
    return f"{digits[:3]} {digits[3:6]} {digits[6:]}"


FILTERS = {
    "date": date,
    "short_date": short_date,
    "number": number,
    "percent": percent,
    "nhs_number": nhs_number,
}
