"""The virtual ward's relationship with the governance access point: the responsible team of an
open admission (or one discharged in the last 30 days, to finish notes) may open the record."""

import datetime as dt

from django.db.models import Q
from django.utils import timezone

from octopus.governance import access

from .models import Admission

RECENTLY_DISCHARGED_DAYS = 30


@access.register("virtual_ward", "On a virtual ward your team is responsible for")
def virtual_ward(user) -> Q:
    since = timezone.now() - dt.timedelta(days=RECENTLY_DISCHARGED_DAYS)
    admissions = Admission.objects.filter(team_id__in=user.team_ids).filter(
        Q(discharged_at__isnull=True) | Q(discharged_at__gte=since)
    )
    return Q(pk__in=admissions.values("resident_id"))
