"""The "meeting" relationship, registered with the governance access point: attendees and core
members of a series may open the records of residents on the agenda of its meetings, from the
agenda's publication until some days after the meeting (meetings.yaml)."""

import datetime as dt

from django.db.models import Q
from django.utils import timezone

from octopus.governance import access

from . import config
from .membership import series_ids_for
from .models import EntryStatus, WorklistEntry


@access.register("meeting", "On the agenda of a meeting you attend")
def meeting(user) -> Q:
    series = series_ids_for(user)
    if not series:
        return Q(pk__in=[])
    now = timezone.now()
    after = dt.timedelta(days=config.settings().access_days_after_meeting)
    entries = WorklistEntry.objects.filter(
        meeting__series_id__in=series,
        status__in=[EntryStatus.AGENDA, EntryStatus.DISCUSSED],
        meeting__agenda_published_at__lte=now,
        meeting__starts_at__gte=now - after,
    )
    return Q(pk__in=entries.values("resident_id"))
