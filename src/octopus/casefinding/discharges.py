"""The discharge a follow-up call is about: the resident's latest discharge from an acute
hospital spell in the 14 days up to the snapshot the list came from, read from the joined-up
timeline (``ActivityEvent`` rows the publish step writes from the ``apc_spells`` feed, with the
discharge date in their detail). The list's own definition (population/features/activity.py,
``discharged_last_14_days``) counts the same spells over the same days."""

import datetime as dt
from dataclasses import dataclass

from django.utils import timezone

from octopus.population.features.activity import RECENT_DISCHARGE_DAYS
from octopus.residents.models import ActivityEvent, ActivityKind

from .models import DischargeFollowUp

SPELL_FEED = "apc_spells"


@dataclass(frozen=True)
class Discharge:
    spell_key: str
    discharged_on: dt.date
    hospital: str


def _date(value) -> dt.date | None:
    try:
        return dt.date.fromisoformat(str(value)[:10]) if value else None
    except ValueError:
        return None


def recent_discharge(resident, today: dt.date) -> Discharge | None:
    """The latest discharge in the window ending at the resident's snapshot date (``today`` when
    the resident has no snapshot yet), or None."""
    as_of = resident.snapshot_as_of or today
    since = as_of - dt.timedelta(days=RECENT_DISCHARGE_DAYS)
    # Spells are listed by admission date; a discharge in the window cannot follow an admission
    # after as-of, and stays of more than a year are left to the timeline.
    events = ActivityEvent.objects.filter(
        resident=resident,
        kind=ActivityKind.ADMISSION,
        source_feed=SPELL_FEED,
        occurred_on__lte=as_of,
        occurred_on__gt=since - dt.timedelta(days=366),
    ).values_list("source_key", "detail", "source_organisation")
    found = []
    for key, detail, hospital in events:
        discharged = _date((detail or {}).get("discharge_date"))
        if discharged is not None and since < discharged <= as_of:
            found.append(Discharge(f"{SPELL_FEED}:{key}", discharged, hospital))
    return max(found, key=lambda d: (d.discharged_on, d.spell_key)) if found else None


def follow_ups(residents) -> dict[int, DischargeFollowUp]:
    """Each resident's latest discharge follow-up with its task: one query for a page of a list."""
    latest: dict[int, DischargeFollowUp] = {}
    rows = (
        DischargeFollowUp.objects.filter(resident_id__in=[r.pk for r in residents])
        .select_related("task__owner")
        .order_by("resident_id", "-discharged_on", "-id")
    )
    for row in rows:
        latest.setdefault(row.resident_id, row)
    return latest


def follow_up_words(follow_up: DischargeFollowUp | None, today: dt.date) -> tuple[str, str]:
    """(words, tag colour) for the resident's follow-up call on the list: open, overdue, done or cancelled."""
    if follow_up is None:
        return "", ""
    task, when = follow_up.task, f"discharged {follow_up.discharged_on:%-d %b %Y}"
    if task.done_at is not None:
        return (
            f"Follow-up call done {timezone.localtime(task.done_at):%-d %b %Y} by {task.owner.display_name} ({when})",
            "nhsuk-tag--green",
        )
    if task.cancelled_at is not None:
        return f"Follow-up call cancelled ({when}); it can be started again", "nhsuk-tag--grey"
    late = task.due is not None and task.due < today
    return (
        f"Follow-up call open with {task.owner.display_name}, due {task.due:%-d %b %Y}{' – overdue' if late else ''} "
        f"({when})",
        "nhsuk-tag--red" if late else "nhsuk-tag--yellow",
    )
