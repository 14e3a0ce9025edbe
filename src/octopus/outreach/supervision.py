"""Supervision figures per CHWW and per area, month by month: households allocated (the target)
against households visited, the share of knocks that became a conversation, needs found and
introductions made and completed. Counts only: no resident is named, so supervisors (planners)
see them without a relationship with any resident.

Definitions (shown on the page):
- target: live allocations planned for a day in the month (a household planned with no day is
  counted in the month its round starts);
- visited: of those, households with a visit that counts as visited (queries.PROGRESS_DEFINITION);
- engaged share: visits with outcome "engaged" / all visits recorded in the month;
- needs found: answers ticked at visits in the month (conversation.needs_found);
- introductions made: introductions and referrals the CHWW sent in the month for residents of
  households allocated to them; completed: those now completed or first contact made."""

from dataclasses import dataclass, field

from django.utils import timezone

from octopus.care.models import Referral
from octopus.care.models.referral import ReferralStatus

from . import areas, conversation
from .models import COUNTS_AS_VISITED, Allocation, Visit, VisitOutcome

DONE = (ReferralStatus.COMPLETED, ReferralStatus.FIRST_CONTACT)
SUPPORT_BELOW = 0.5  # visited under half the target in a finished month: the supervisor checks in


@dataclass
class Row:
    month: str
    who: str
    target: int = 0
    visited: int = 0
    visits: int = 0
    engaged: int = 0
    needs: int = 0
    introductions: int = 0
    completed: int = 0
    visited_ids: set = field(default_factory=set, repr=False)

    @property
    def engaged_share(self) -> str:
        return f"{round(100 * self.engaged / self.visits)}%" if self.visits else "–"

    @property
    def needs_support(self) -> bool:
        return self.target > 0 and self.visited < SUPPORT_BELOW * self.target


def _month(day) -> str:
    return f"{day:%Y-%m}"


def figures(by: str = "chww") -> list[Row]:
    """Rows per month and CHWW (``by="chww"``) or LSOA (``by="area"``), latest month first."""

    def key_for(allocation):
        if by == "area":
            area = areas.area(allocation.household.lsoa_code)
            return str(area) if area else allocation.household.lsoa_code
        return allocation.worker.display_name

    rows: dict[tuple, Row] = {}

    def row(month, who):
        return rows.setdefault((month, who), Row(month, who))

    allocations = list(Allocation.objects.live().select_related("worker", "household", "round"))
    keys = {a.pk: key_for(a) for a in allocations}
    for a in allocations:
        row(_month(a.planned_on or a.round.starts_on), keys[a.pk]).target += 1
    target_month = {a.pk: _month(a.planned_on or a.round.starts_on) for a in allocations}
    for visit in Visit.objects.filter(allocation__in=allocations).only(
        "allocation_id", "outcome", "visited_on", "answers"
    ):
        r = row(_month(visit.visited_on), keys[visit.allocation_id])
        r.visits += 1
        r.engaged += visit.outcome == VisitOutcome.SPOKE
        r.needs += conversation.needs_found(visit.answers)
        if visit.outcome in COUNTS_AS_VISITED:
            planned = row(target_month[visit.allocation_id], keys[visit.allocation_id])
            planned.visited_ids.add(visit.allocation_id)
    household_key = {(a.worker_id, a.household_id): keys[a.pk] for a in allocations}
    for referral in (
        Referral.objects.filter(resident__household__in={a.household_id for a in allocations})
        .only("sender_id", "resident__household_id", "sent_at", "status")
        .select_related("resident")
    ):
        who = household_key.get((referral.sender_id, referral.resident.household_id))
        if who is None:
            continue
        r = row(_month(timezone.localtime(referral.sent_at)), who)
        r.introductions += 1
        r.completed += referral.status in DONE
    for r in rows.values():
        r.visited = len(r.visited_ids)
    return sorted(sorted(rows.values(), key=lambda r: r.who), key=lambda r: r.month, reverse=True)
