"""Setting up and changing series, planning their meetings from the timetable, the confidentiality
agreement and attendance."""

import datetime as dt
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from octopus.governance import audit

from .. import config
from .. import timetable as timetable_module
from ..models import (
    Attendance,
    ConfidentialityAgreement,
    Frequency,
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


@dataclass(frozen=True)
class Timetable:
    """When a series meets (see ``meetings.timetable``)."""

    weekdays: tuple[int, ...]
    start_time: dt.time
    duration_minutes: int = 60
    frequency: str = Frequency.WEEKLY
    starts_on: dt.date | None = None


TIMETABLE_FIELDS = ("weekdays", "start_time", "duration_minutes", "frequency", "starts_on")
# What an edit may change, and the words the audit entry uses for each.
SETTINGS = {
    "name": "name",
    "kind": "kind",
    "team": "team",
    "worklist": "worklist",
    "neighbourhood": "population",
    "pcn": "population",
    "care_home": "population",
    "locations": "locations",
    "schedule": "schedule",
    "minutes_per_resident": "minutes per resident",
    **{f: "schedule" for f in TIMETABLE_FIELDS},
}


def _validate(
    series: MeetingSeries | None,
    *,
    name: str,
    kind: str,
    worklist: str,
    neighbourhood,
    pcn,
    care_home,
    schedule: str,
    timetable: Timetable | None,
    locations: str,
    members,
) -> dict[str, str]:
    errors = {}
    if not name.strip():
        errors["name"] = "Give the series a name, for example North Westminster PCN integrated care conference."
    elif MeetingSeries.objects.filter(name=name.strip()).exclude(pk=getattr(series, "pk", None)).exists():
        errors["name"] = f"A series called {name.strip()} already exists; choose another name."
    if kind not in MeetingKind.values:
        errors["kind"] = "Choose the kind of meeting."
    if worklist not in config.settings().worklists:
        errors["worklist"] = f"Choose one of the worklists in meetings.yaml: {', '.join(config.settings().worklists)}."
    if sum(x is not None for x in (neighbourhood, pcn, care_home)) != 1:
        errors["neighbourhood"] = "Choose exactly one population: a neighbourhood, a PCN or a care home."
    elif (kind == MeetingKind.CARE_HOME_MDT) != (care_home is not None):
        errors["neighbourhood"] = (
            "A care-home MDT looks after the residents of one care home: choose the home."
            if care_home is None
            else "Only a care-home MDT is for a care home's residents."
        )
    if timetable is not None:
        if not timetable.weekdays or not set(timetable.weekdays) <= set(range(7)):
            errors["weekdays"] = "Choose the day or days of the week the meeting is held."
        if not 5 <= timetable.duration_minutes <= 600:
            errors["duration_minutes"] = "Give the length of the meeting in minutes, between 5 and 600."
        if timetable.frequency not in Frequency.values:
            errors["frequency"] = "Choose how often the meeting is held."
    elif not schedule.strip():
        errors["schedule"] = "Say when the meeting is held."
    if any(len(line.strip()) > 200 for line in locations.splitlines()):
        errors["locations"] = "Keep each location under 200 characters, one per line."
    people = [user.pk for user, _role in members]
    if len(people) != len(set(people)):
        errors["members"] = "Name each core member once."
    return errors


def _timetable_fields(timetable: Timetable | None, schedule: str) -> dict:
    if timetable is None:
        return {"schedule": schedule.strip()}
    return {
        "weekdays": sorted(set(timetable.weekdays)),
        "start_time": timetable.start_time,
        "duration_minutes": timetable.duration_minutes,
        "frequency": timetable.frequency,
        "starts_on": timetable.starts_on,
        "schedule": timetable_words(timetable),
    }


def timetable_words(timetable: Timetable) -> str:
    return timetable_module.describe(
        timetable.weekdays, timetable.start_time, timetable.duration_minutes, timetable.frequency
    )


@transaction.atomic
def create_series(
    actor,
    *,
    name: str,
    kind: str,
    team,
    worklist: str,
    schedule: str = "",
    timetable: Timetable | None = None,
    neighbourhood=None,
    pcn=None,
    care_home=None,
    locations: str = "",
    members=(),
    minutes_per_resident: int = 10,
    path: str = "",
) -> MeetingSeries:
    """A new series. ``timetable`` gives the days and time Octopus plans meetings from (and writes
    ``schedule`` from); without one, ``schedule`` is free text and meetings are scheduled by hand."""
    members = list(members)
    errors = _validate(
        None,
        name=name,
        kind=kind,
        worklist=worklist,
        neighbourhood=neighbourhood,
        pcn=pcn,
        care_home=care_home,
        schedule=schedule,
        timetable=timetable,
        locations=locations,
        members=members,
    )
    if errors:
        raise ValidationError(errors)
    series = MeetingSeries.objects.create(
        name=name.strip(),
        kind=kind,
        team=team,
        worklist=worklist,
        neighbourhood=neighbourhood,
        pcn=pcn,
        care_home=care_home,
        locations=_tidy_lines(locations),
        minutes_per_resident=minutes_per_resident,
        created_at=timezone.now(),
        **_timetable_fields(timetable, schedule),
    )
    for user, role in members:
        SeriesMember.objects.create(series=series, user=user, role=role or role_of(user))
    audit.record(
        actor,
        "create",
        f"Meeting series {series.name} ({series.get_kind_display()}, {series.schedule})"[:300],
        obj=series,
        path=path,
    )
    return series


def _tidy_lines(text: str) -> str:
    return "\n".join(line.strip() for line in text.splitlines() if line.strip())


def _set_members(series: MeetingSeries, members) -> list[str]:
    """Make the core members exactly ``members``; returns what changed, in words."""
    wanted = {user.pk: (user, role) for user, role in members}
    current = {m.user_id: m for m in series.members.select_related("user")}
    changes = []
    for user_id, member in current.items():
        if user_id not in wanted:
            member.delete()
            changes.append(f"removed {member.user.username}")
    for user_id, (user, role) in wanted.items():
        role = role or role_of(user)
        if user_id not in current:
            SeriesMember.objects.create(series=series, user=user, role=role)
            changes.append(f"added {user.username} ({role})")
        elif current[user_id].role != role:
            current[user_id].role = role
            current[user_id].save(update_fields=["role"])
            changes.append(f"{user.username} now {role}")
    return changes


def _on_timetable(series: MeetingSeries, when: dt.datetime) -> bool:
    when = timezone.localtime(when)
    days = timetable_module.dates(
        series.weekdays,
        series.frequency,
        anchor=series.timetable_anchor,
        start=when.date(),
        end=when.date() + dt.timedelta(days=1),
    )
    return bool(days) and when.time() == series.start_time


def _cancel_off_timetable(series: MeetingSeries) -> int:
    """Future meetings nobody has started preparing (no worklist, no attendance) that the new
    timetable no longer has, so the series can be planned again on its new days."""
    empty = series.meetings.filter(
        status=MeetingStatus.PLANNED,
        starts_at__gt=timezone.now(),
        worklist_generated_at__isnull=True,
        entries__isnull=True,
        attendance__isnull=True,
    )
    off = [m.pk for m in empty if not _on_timetable(series, m.starts_at)]
    Meeting.objects.filter(pk__in=off).delete()
    return len(off)


@transaction.atomic
def update_series(
    series: MeetingSeries,
    actor,
    *,
    name: str,
    kind: str,
    team,
    worklist: str,
    timetable: Timetable | None = None,
    schedule: str = "",
    neighbourhood=None,
    pcn=None,
    care_home=None,
    locations: str = "",
    members=(),
    minutes_per_resident: int = 10,
    path: str = "",
) -> MeetingSeries:
    """Change a series. When its timetable changes, planned meetings nobody has started preparing
    that are no longer on it are cancelled, so they can be planned again on the new days."""
    members = list(members)
    errors = _validate(
        series,
        name=name,
        kind=kind,
        worklist=worklist,
        neighbourhood=neighbourhood,
        pcn=pcn,
        care_home=care_home,
        schedule=schedule,
        timetable=timetable,
        locations=locations,
        members=members,
    )
    if errors:
        raise ValidationError(errors)
    fields = {
        "name": name.strip(),
        "kind": kind,
        "team": team,
        "worklist": worklist,
        "neighbourhood": neighbourhood,
        "pcn": pcn,
        "care_home": care_home,
        "locations": _tidy_lines(locations),
        "minutes_per_resident": minutes_per_resident,
        **_timetable_fields(timetable, schedule),
    }
    had_timetable = series.has_timetable
    changed = [key for key, value in fields.items() if getattr(series, key) != value]
    for key in changed:
        setattr(series, key, fields[key])
    if changed:
        series.save(update_fields=changed)
    what = list(dict.fromkeys(SETTINGS[key] for key in changed))
    # Meetings planned from the old timetable move; a first timetable leaves hand-scheduled ones alone.
    cancelled = _cancel_off_timetable(series) if had_timetable and "schedule" in what and series.has_timetable else 0
    member_changes = _set_members(series, members)
    if member_changes:
        what.append("core members: " + ", ".join(member_changes))
    if cancelled:
        what.append(f"{cancelled} planned meetings cancelled for the new timetable")
    if what:
        audit.record(
            actor, "change", f"Meeting series {series.name} changed: {'; '.join(what)}"[:300], obj=series, path=path
        )
    return series


@transaction.atomic
def plan_meetings(
    series: MeetingSeries, actor, *, weeks: int = 4, now: dt.datetime | None = None, path: str = ""
) -> list[Meeting]:
    """Schedule the series' meetings of the next ``weeks`` from its timetable, with the location
    rota moving on. Safe to repeat: a day that already has a meeting of the series is skipped."""
    if not series.has_timetable:
        raise ValidationError("Set the days and start time of the series before planning meetings from it.")
    now = timezone.localtime(now or timezone.now())
    # The window is measured from this moment, not from today's date: "four weeks ahead" of a
    # fortnightly series is two meetings whether it is planned before or after today's meeting.
    until = now + dt.timedelta(weeks=weeks)
    held = {timezone.localdate(when) for when in series.meetings.values_list("starts_at", flat=True)}
    planned = []
    for day in timetable_module.dates(
        series.weekdays,
        series.frequency,
        anchor=series.timetable_anchor,
        start=now.date(),
        end=until.date() + dt.timedelta(days=1),
    ):
        # Wall-clock time in Europe/London, so a 13:00 meeting stays at 13:00 across a clock change.
        starts_at = timezone.make_aware(dt.datetime.combine(day, series.start_time))
        if day in held or not now < starts_at <= until:
            continue
        planned.append(schedule_meeting(series, actor, starts_at, path=path))
    return planned


@transaction.atomic
def add_member(series: MeetingSeries, user, actor, role: str = "", path: str = "") -> SeriesMember:
    member, created = SeriesMember.objects.get_or_create(
        series=series, user=user, defaults={"role": role or role_of(user)}
    )
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
def schedule_meeting(
    series: MeetingSeries, actor, starts_at: dt.datetime, location: str = "", path: str = ""
) -> Meeting:
    meeting = Meeting.objects.create(
        series=series, starts_at=starts_at, location=location.strip() or next_location(series)
    )
    audit.record(actor, "create", f"Meeting scheduled: {meeting}"[:300], obj=meeting, path=path)
    return meeting


@transaction.atomic
def confirm_confidentiality(series: MeetingSeries, user, path: str = "") -> ConfidentialityAgreement:
    agreement, created = ConfidentialityAgreement.objects.get_or_create(
        series=series, user=user, defaults={"confirmed_at": timezone.now()}
    )
    if created:
        audit.record(
            user, "change", f"Confirmed the confidentiality agreement for {series.name}", obj=agreement, path=path
        )
    return agreement


@transaction.atomic
def record_attendance(meeting: Meeting, user, actor, path: str = "") -> Attendance:
    attendance, created = Attendance.objects.get_or_create(
        meeting=meeting,
        user=user,
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
