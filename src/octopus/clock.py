"""Today's date where the residents are: London, not the server's clock.

Servers run on UTC; between midnight and 01:00 in summer London is already on the next day. The
Django apps use ``django.utils.timezone.localdate()`` (TIME_ZONE is Europe/London); code with no
Django (the population engine, the synthetic generator, their commands) uses ``london_today()``, so
both agree on what "today" is at any hour.
"""

import datetime as dt
from zoneinfo import ZoneInfo

LONDON = ZoneInfo("Europe/London")


def london_now() -> dt.datetime:
    return dt.datetime.now(LONDON)


def london_today() -> dt.date:
    return london_now().date()


def utc_stamp() -> dt.datetime:
    """Now in UTC to the second, without a zone: what the DuckDB stores' TIMESTAMP columns hold
    (load, rejection, linkage and review times). Read them back with ``london_time``."""
    return dt.datetime.now(dt.UTC).replace(tzinfo=None, microsecond=0)


def london_time(stamp: dt.datetime | None) -> dt.datetime | None:
    """A stored UTC stamp as London wall-clock time, for people to read."""
    if stamp is None:
        return None
    aware = stamp if stamp.tzinfo else stamp.replace(tzinfo=dt.UTC)
    return aware.astimezone(LONDON)
