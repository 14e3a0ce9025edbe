"""View-models for the resident's record, so templates stay dumb."""

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass

from django.db.models import QuerySet
from django.utils import timezone

from .models import ActivityEvent, ActivityKind, Resident

TIMELINE_PAGE_SIZE = 25


def age(date_of_birth: dt.date | None, on: dt.date | None = None) -> int | None:
    if date_of_birth is None:
        return None
    on = on or timezone.localdate()
    return on.year - date_of_birth.year - ((on.month, on.day) < (date_of_birth.month, date_of_birth.day))


@dataclass(frozen=True)
class HouseholdMember:
    name: str
    age: int | None
    person_id: str
    may_open: bool


def household_members(
    resident: Resident, with_openable: Callable[[QuerySet[Resident]], QuerySet[Resident]]
) -> list[HouseholdMember]:
    """Who lives with the resident: first name, family name and age only (carers, children and
    partners matter for care); a link only when the user may open that record too.

    ``with_openable(residents)`` annotates each with ``openable`` (whether the user may open
    their record): the members and that answer come in one query.
    """
    if resident.household_id is None:
        return []
    others = with_openable(
        Resident.objects.filter(household_id=resident.household_id, date_of_death__isnull=True)
        .exclude(pk=resident.pk)
        .order_by("date_of_birth")
    )
    return [HouseholdMember(o.name, age(o.date_of_birth), o.person_id, o.openable) for o in others]


@dataclass(frozen=True)
class TimelinePage:
    """One page of a timeline, newest first, with links to newer and older pages only.

    A page reads one row more than it shows to know whether older events exist: a paginator
    counted every event of the resident on each view (thousands for the busiest residents), for
    page numbers the timeline does not show.
    """

    events: list
    number: int
    more: bool

    @classmethod
    def read(cls, events, page_number) -> "TimelinePage":
        try:
            number = max(1, int(page_number or 1))
        except (TypeError, ValueError):
            number = 1
        start = (number - 1) * TIMELINE_PAGE_SIZE
        rows = list(events[start : start + TIMELINE_PAGE_SIZE + 1])
        return cls(rows[:TIMELINE_PAGE_SIZE], number, len(rows) > TIMELINE_PAGE_SIZE)

    def __iter__(self):
        return iter(self.events)

    def has_previous(self) -> bool:
        return self.number > 1

    def has_next(self) -> bool:
        return self.more

    def has_other_pages(self) -> bool:
        return self.more or self.number > 1

    def previous_page_number(self) -> int:
        return self.number - 1

    def next_page_number(self) -> int:
        return self.number + 1


def timeline(resident: Resident, kinds: list[str], page_number, clinical: bool):
    events = ActivityEvent.objects.filter(resident=resident)
    selected = [k for k in kinds if k in ActivityKind.values]
    if selected:
        events = events.filter(kind__in=selected)
    page = TimelinePage.read(events, page_number)
    if not page.events and page.number > 1:
        page = TimelinePage.read(events, 1)  # past the oldest page (a stale link): the newest
    return {
        "page": page,
        "selected": selected,
        "kinds": ActivityKind.choices,
        # Without clinical-detail capability the reader sees that a contact happened, where and when,
        # but not what it was about (VCSE partners see the minimum they need).
        "clinical": clinical,
    }
