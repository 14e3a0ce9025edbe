"""Read-side queries for the outreach pages: a CHWW's households, a round's progress, and the
households a planner can choose from. Residents' identifiable details are not read here; the
household visit page reaches residents through ``governance.access``."""

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass

from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from octopus.residents.models import Household

from . import areas, walking
from .models import COUNTS_AS_VISITED, Allocation, HouseholdCondition, Round, Visit, VisitOutcome

PROGRESS_DEFINITION = (
    "A household counts as visited once a visit this round is recorded as engaged (we talked), declined "
    "to talk or moved away. No answer does not count: the household is still to visit. Households "
    "withdrawn from the round are not counted at all."
)
CANDIDATE_LIMIT = 300


@dataclass(frozen=True)
class Progress:
    worker: object
    allocated: int
    visited: int

    @property
    def label(self) -> str:
        return f"{self.visited} of {self.allocated} households visited"

    @property
    def percent(self) -> int:
        return round(100 * self.visited / self.allocated) if self.allocated else 0


def progress(round_: Round, worker=None) -> list[Progress]:
    """Per CHWW in the round (or one CHWW): live allocations and how many count as visited."""
    allocations = round_.allocations.filter(withdrawn_at__isnull=True)
    if worker is not None:
        allocations = allocations.filter(worker=worker)
    counts = allocations.values("worker").annotate(
        allocated=Count("pk", distinct=True),
        visited=Count("pk", filter=Q(visits__outcome__in=COUNTS_AS_VISITED), distinct=True),
    )
    from octopus.accounts.models import User

    workers = User.objects.in_bulk([row["worker"] for row in counts])
    rows = [Progress(workers[row["worker"]], row["allocated"], row["visited"]) for row in counts]
    return sorted(rows, key=lambda p: p.worker.display_name)


def latest_visits(allocations) -> dict[int, Visit]:
    latest: dict[int, Visit] = {}
    for visit in (
        Visit.objects.filter(allocation__in=allocations)
        .select_related("recorded_by")
        .order_by("allocation_id", "-visited_on", "-recorded_at", "-id")
    ):
        latest.setdefault(visit.allocation_id, visit)
    return latest


def visited_ids(allocations) -> set[int]:
    return set(
        Visit.objects.filter(allocation__in=allocations, outcome__in=COUNTS_AS_VISITED).values_list(
            "allocation_id", flat=True
        )
    )


def active_allocations(user) -> QuerySet[Allocation]:
    return (
        Allocation.objects.active()
        .filter(worker=user)
        .select_related("round", "household")
        .order_by("round__starts_on", "round_id", "position")
    )


def my_active_allocation(user, allocation_id: int) -> Allocation | None:
    """The allocation if it is this CHWW's and active now; None otherwise (the page is a 404, so
    other CHWWs cannot learn which households are on whose round)."""
    return active_allocations(user).filter(pk=allocation_id).first()


@dataclass(frozen=True)
class Day:
    on: dt.date | None
    allocations: list


def day_plan(allocations: list[Allocation], visited: set[int], today: dt.date | None = None) -> Day:
    """Today's households still to visit, or the next planned day's if none today."""
    today = today or timezone.localdate()
    open_ = [a for a in allocations if a.pk not in visited and a.planned_on is not None]
    days = sorted({a.planned_on for a in open_ if a.planned_on >= today})
    overdue = [a for a in open_ if a.planned_on < today]
    if not days:
        return Day(None, overdue)
    on = days[0]
    return Day(on, [a for a in open_ if a.planned_on == on])


def residents_per_household(households) -> dict[int, int]:
    rows = (
        Household.objects.filter(pk__in=[h.pk for h in households])
        .annotate(living=Count("residents", filter=Q(residents__date_of_death__isnull=True)))
        .values_list("pk", "living")
    )
    return dict(rows)


# --- choosing households (the planner) -------------------------------------------------------


@dataclass(frozen=True)
class AreaRow:
    area: areas.Area
    households: int
    unallocated: int


def areas_by_deprivation(round_: Round, limit: int = 25) -> list[AreaRow]:
    """LSOAs with households, most deprived first, with how many are not yet on this round."""
    totals = dict(
        Household.objects.exclude(lsoa_code="")
        .values("lsoa_code")
        .annotate(n=Count("pk"))
        .values_list("lsoa_code", "n")
    )
    taken = dict(
        round_.allocations.filter(withdrawn_at__isnull=True)
        .values("household__lsoa_code")
        .annotate(n=Count("pk"))
        .values_list("household__lsoa_code", "n")
    )
    rows = [AreaRow(a, n, n - taken.get(code, 0)) for code, n in totals.items() if (a := areas.area(code))]
    return sorted(rows, key=lambda r: (r.area.imd_rank, r.area.lsoa_code))[:limit]


def living_households() -> QuerySet[Household]:
    """Households someone lives in, other than care homes (their residents are seen by the
    care-home MDT, not door-knocked)."""
    return (
        Household.objects.filter(residents__date_of_death__isnull=True)
        .exclude(residents__flags__care_home=True)
        .distinct()
    )


def candidate_households(
    round_: Round, *, area: str = "", postcode: str = "", street: str = ""
) -> tuple[list[Household], int]:
    """Households matching the filters that are not yet on this round and have someone living
    there: most deprived LSOA first, then street order. Returns (up to CANDIDATE_LIMIT, total)."""
    households = living_households()
    if area.strip():
        households = households.filter(lsoa_code__in=areas.lsoas_matching(area))
    if postcode.strip():
        households = households.filter(postcode__istartswith=postcode.strip())
    if street.strip():
        households = households.filter(address_line__icontains=street.strip())
    households = households.exclude(pk__in=round_.allocations.filter(withdrawn_at__isnull=True).values("household_id"))
    found = list(households)
    found.sort(key=lambda h: (areas.deprivation_rank(h.lsoa_code), walking.street_key(h.address_line, h.postcode)))
    return found[:CANDIDATE_LIMIT], len(found)


def addresses(household_ids: list[str]) -> dict[str, str]:
    """Household id -> address, for a plan's routes (addresses only: the planner sees no residents)."""
    found = Household.objects.filter(household_id__in=household_ids).values_list(
        "household_id", "address_line", "postcode"
    )
    return {key: f"{line}, {postcode}" for key, line, postcode in found}


def households(ids: list[str]) -> QuerySet[Household]:
    """The households a planner ticked (ids as posted; anything not a number is ignored)."""
    return Household.objects.filter(pk__in=[int(i) for i in ids if str(i).isdigit()])


def allocations_by_worker(round_: Round) -> dict:
    grouped = defaultdict(list)
    for allocation in (
        round_.allocations.filter(withdrawn_at__isnull=True)
        .select_related("household", "worker")
        .order_by("worker_id", "position")
    ):
        grouped[allocation.worker].append(allocation)
    return dict(grouped)


@dataclass(frozen=True)
class OpenTask:
    text: str
    kind: str  # "prevention", "introduction", "home", "revisit"


def open_tasks(user, allocation: Allocation, residents) -> list[OpenTask]:
    """Everything open for the household, on one screen, so one visit can clear it: each shown
    resident's prevention gaps (from the pipeline, as the cards show them), introductions this
    CHWW made that are not closed, problems with the home still recorded as present, and a
    knock that went unanswered."""
    from octopus.care.models import Referral
    from octopus.care.models.referral import OPEN_STATUSES

    tasks = [OpenTask(f"{r.given_name}: {label}", "prevention") for r in residents for label in r.due]
    shown = {r.person_id for r in residents}
    introductions = (
        Referral.objects.filter(sender=user, resident__household=allocation.household, status__in=OPEN_STATUSES)
        .select_related("resident", "to_practitioner", "to_team")
        .order_by("sent_at")
    )
    tasks += [
        OpenTask(
            f"{i.resident.given_name}: introduction to {i.recipient_label} ({i.get_status_display().lower()} "
            f"since {timezone.localtime(i.sent_at):%d %b})",
            "introduction",
        )
        for i in introductions
        if i.resident.person_id in shown
    ]
    tasks += [
        OpenTask(
            f"Home: {row.get_condition_display().lower()} (found {timezone.localtime(row.recorded_at):%d %b %Y})",
            "home",
        )
        for row in HouseholdCondition.objects.current(allocation.household).values()
        if row.present
    ]
    latest = allocation.visits.order_by("-visited_on", "-recorded_at").first()
    if latest is not None and latest.outcome == VisitOutcome.NO_ANSWER:
        tasks.append(OpenTask(f"No answer on {latest.visited_on:%d %b}: knock again", "revisit"))
    return tasks


def condition_history(household) -> list[HouseholdCondition]:
    return list(
        HouseholdCondition.objects.filter(household=household)
        .select_related("recorded_by")
        .order_by("-recorded_at", "condition")
    )


# Bands 1 and 2 ("Very high", "High") in population/config/bands.yaml: the high-risk residents
# the issue puts first at the door.
HIGH_RISK_BANDS = frozenset({"1", "2"})


def planning_households(lsoa_codes) -> list:
    """The target areas' living households for the monthly plan, as planning.Household: where
    (its own coordinates, else the shipped point inside its LSOA), how important (2 for a
    high-risk resident, 1 for each open prevention gap as the pipeline published them), the
    residents' languages, and the last knock if it went unanswered."""
    from . import planning

    found = (
        living_households()
        .filter(lsoa_code__in=list(lsoa_codes))
        .prefetch_related("residents")
        .order_by("household_id")
    )
    unanswered = {}
    for visit in (
        Visit.objects.filter(allocation__household__lsoa_code__in=list(lsoa_codes))
        .select_related("allocation")
        .order_by("recorded_at")
    ):
        unanswered[visit.allocation.household_id] = visit if visit.outcome == VisitOutcome.NO_ANSWER else None
    made = []
    for household in found:
        lat, lon = household.latitude, household.longitude
        if lat is None or lon is None:
            area = areas.area(household.lsoa_code)
            if area is None or area.latitude is None:
                continue
            lat, lon = area.latitude, area.longitude
        living = [r for r in household.residents.all() if r.date_of_death is None]
        priority = 2 * any(str(r.risk_band) in HIGH_RISK_BANDS for r in living) + sum(
            len(r.prevention_gaps or []) for r in living
        )
        last = unanswered.get(household.pk)
        made.append(
            planning.Household(
                id=household.household_id,
                lat=lat,
                lon=lon,
                lsoa=household.lsoa_code,
                priority=priority,
                languages=frozenset(r.main_language.casefold() for r in living if r.main_language),
                unanswered_on=last.visited_on if last else None,
                unanswered_morning=timezone.localtime(last.recorded_at).hour < 13 if last else None,
            )
        )
    return made
