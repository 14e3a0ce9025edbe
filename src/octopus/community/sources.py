"""The findings sources this app registers (``findings.register`` in ``apps.py``): needs found
at doors (outreach visits) and at drop-ins, and the introductions made there. Counts leave
here with no resident or attendee attached: a Finding carries an LSOA, a month and words."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

from django.utils import timezone

from octopus.care.models import Referral
from octopus.outreach import supervision
from octopus.outreach.models import Allocation, Visit

from .findings import Finding, month_of
from .models import Introduction, Session

OUTREACH = "Outreach at doors"
DROP_INS = "Drop-ins"


def destination(team) -> str:
    return f"{team.name} ({team.organisation.name})"


def outreach_findings(start: dt.date, end: dt.date) -> Iterator[Finding]:
    """One Finding per answer ticked at a doorstep visit (``conversation.needs_found``), and one
    per introduction or referral a CHWW sent for a resident of a household allocated to them
    (the supervision page's definition, so both pages agree). The doorstep introduction is not
    tied to an answer, so it carries no need."""
    visits = (
        Visit.objects.filter(visited_on__gte=start, visited_on__lt=end)
        .exclude(answers={})
        .select_related("allocation__household")
        .only("visited_on", "answers", "allocation__household__lsoa_code")
    )
    for visit in visits:
        for topic, options in (visit.answers or {}).items():
            for _ in options:
                yield Finding(OUTREACH, visit.allocation.household.lsoa_code, month_of(visit.visited_on), topic)
    allocated = {
        (worker, household): lsoa
        for worker, household, lsoa in Allocation.objects.live().values_list(
            "worker_id", "household_id", "household__lsoa_code"
        )
    }
    start_at = timezone.make_aware(dt.datetime.combine(start, dt.time.min))
    end_at = timezone.make_aware(dt.datetime.combine(end, dt.time.min))
    referrals = (
        Referral.objects.filter(
            sent_at__gte=start_at,
            sent_at__lt=end_at,
            resident__household__isnull=False,
            sender_id__in={worker for worker, _ in allocated},
        )
        .select_related("to_team__organisation", "resident")
        .only(
            "sender_id", "sent_at", "status", "resident__household_id", "to_team__name", "to_team__organisation__name"
        )
    )
    for referral in referrals:
        lsoa = allocated.get((referral.sender_id, referral.resident.household_id))
        if lsoa is None:
            continue
        yield Finding(
            OUTREACH,
            lsoa,
            month_of(timezone.localtime(referral.sent_at).date()),
            "",
            1,
            int(referral.status in supervision.DONE),
            destination(referral.to_team),
        )


def drop_in_findings(start: dt.date, end: dt.date) -> Iterator[Finding]:
    """One Finding per need an attendee brought, at the venue's LSOA in the session's month; the
    first introduction made for that kind of need rides on it, any other introduction is a
    Finding of its own with no need (``findings`` module docstring)."""
    sessions = Session.objects.filter(held_on__gte=start, held_on__lt=end)
    introductions: dict[int, list[Introduction]] = {}
    for introduction in (
        Introduction.objects.filter(attendee__session__in=sessions)
        .select_related("to_practitioner__team__organisation", "referral")
        .order_by("made_at", "pk")
    ):
        introductions.setdefault(introduction.attendee_id, []).append(introduction)
    for session in sessions.prefetch_related("attendees"):
        month = month_of(session.held_on)
        for attendee in session.attendees.all():
            waiting = list(introductions.get(attendee.pk, []))
            for topic, options in (attendee.needs or {}).items():
                for _ in options:
                    made = next((i for i in waiting if i.need == topic), None)
                    if made is None:
                        yield Finding(DROP_INS, session.lsoa_code, month, topic)
                        continue
                    waiting.remove(made)
                    yield Finding(
                        DROP_INS,
                        session.lsoa_code,
                        month,
                        topic,
                        1,
                        int(made.completed),
                        destination(made.to_practitioner.team),
                    )
            for made in waiting:
                yield Finding(
                    DROP_INS,
                    session.lsoa_code,
                    month,
                    "",
                    1,
                    int(made.completed),
                    destination(made.to_practitioner.team),
                )
