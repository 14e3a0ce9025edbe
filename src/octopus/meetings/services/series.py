"""Setting up series and meetings, the confidentiality agreement and attendance."""

import datetime as dt

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from octopus.governance import audit

from .. import config
from ..models import (
    Attendance,
    ConfidentialityAgreement,
    Meeting,
    MeetingKind,
    MeetingSeries,
    MeetingStatus,
    SeriesMember,
)


def role_of(user) -> str:
    """The profession a person brings, for attendance by role (which professions are missing)."""
    practitioner = getattr(user, "practitioner", None)
    if practitioner is not None and practitioner.job_title:
        return practitioner.job_title
    membership = user.memberships.first()
    return membership.get_role_display() if membership else "Not known"


@transaction.atomic
def create_series(actor, *, name: str, kind: str, team, schedule: str, worklist: str, neighbourhood=None, pcn=None,
                  care_home=None, locations: str = "", members=(), path: str = "") -> MeetingSeries:
    errors = {}
    if kind not in MeetingKind.values:
        errors["kind"] = "Choose the kind of meeting."
    if worklist not in config.settings().worklists:
        errors["worklist"] = f"Choose one of the worklists in meetings.yaml: {', '.join(config.settings().worklists)}."
    if sum(x is not None for x in (neighbourhood, pcn, care_home)) != 1:
        errors["neighbourhood"] = "Choose exactly one population: a neighbourhood, a PCN or a care home."
    if errors:
        raise ValidationError(errors)
    series = MeetingSeries.objects.create(
        name=name.strip(), kind=kind, team=team, schedule=schedule.strip(), worklist=worklist,
        neighbourhood=neighbourhood, pcn=pcn, care_home=care_home, locations=locations, created_at=timezone.now(),
    )
    for user, role in members:
        SeriesMember.objects.create(series=series, user=user, role=role or role_of(user))
    audit.record(actor, "create", f"Meeting series {series.name} ({series.get_kind_display()})", obj=series, path=path)
    return series


@transaction.atomic
def add_member(series: MeetingSeries, user, actor, role: str = "", path: str = "") -> SeriesMember:
    member, created = SeriesMember.objects.get_or_create(series=series, user=user, defaults={"role": role or role_of(user)})
    if created:
        audit.record(actor, "change", f"{user.username} is a core member of {series.name}", obj=series, path=path)
    return member


def next_location(series: MeetingSeries) -> str:
    """INCs rotate between practices to make attending easier: the next one in the list."""
    rota = series.location_list
    if not rota:
        return ""
    return rota[series.meetings.count() % len(rota)]


@transaction.atomic
def schedule_meeting(series: MeetingSeries, actor, starts_at: dt.datetime, location: str = "", path: str = "") -> Meeting:
    meeting = Meeting.objects.create(series=series, starts_at=starts_at, location=location.strip() or next_location(series))
    audit.record(actor, "create", f"Meeting scheduled: {meeting}"[:300], obj=meeting, path=path)
    return meeting


@transaction.atomic
def confirm_confidentiality(series: MeetingSeries, user, path: str = "") -> ConfidentialityAgreement:
    agreement, created = ConfidentialityAgreement.objects.get_or_create(
        series=series, user=user, defaults={"confirmed_at": timezone.now()}
    )
    if created:
        audit.record(user, "change", f"Confirmed the confidentiality agreement for {series.name}", obj=agreement, path=path)
    return agreement


@transaction.atomic
def record_attendance(meeting: Meeting, user, actor, path: str = "") -> Attendance:
    attendance, created = Attendance.objects.get_or_create(
        meeting=meeting, user=user,
        defaults={"role": role_of(user), "recorded_by": actor, "recorded_at": timezone.now()},
    )
    if created:
        audit.record(actor, "change", f"Attendance: {user.username} at {meeting}"[:300], obj=attendance, path=path)
    return attendance


@transaction.atomic
def publish_agenda(meeting: Meeting, actor, path: str = "") -> Meeting:
    if meeting.is_closed:
        raise ValidationError("This meeting is closed.")
    meeting.status = MeetingStatus.PUBLISHED
    meeting.agenda_published_at = meeting.agenda_published_at or timezone.now()
    meeting.save(update_fields=["status", "agenda_published_at"])
    audit.record(actor, "change", f"Agenda published: {meeting}"[:300], obj=meeting, path=path)
    return meeting
