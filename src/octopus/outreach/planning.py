"""The monthly workforce plan: which CHWW knocks on which door on which day, in what order.
Pure code (no Django), so spec tests and benchmarks run it on tiny or huge inputs directly.

1. **Which households.** Most important first: households with high-risk residents or open
   prevention gaps (``Household.priority``), then revisits of doors not answered, until every
   CHWW's month is full (``households_per_chww``, about 120 in the Westminster model, or fewer if
   their working days cannot hold it).
2. **Who.** Stable first: a household a CHWW had in the previous plan stays with them while they
   have room. The rest go to the CHWW whose patch centre is nearest, in order of regret (the
   households with most to lose go first), within capacity, so patches are compact and every CHWW
   gets the same number (balanced). A shared language or a preferred area counts as being
   ``LANGUAGE_BONUS_M`` / ``AREA_BONUS_M`` metres nearer.
3. **Which day.** Each CHWW's households in one walking loop from their start point, cut into
   working days of ``visits_per_day`` (scaled by their hours), bank holidays in England and Wales
   left out (gov.uk's list, shipped); a revisit is moved off the weekday it went unanswered on.
4. **In what order.** Each day's route from the start point, by OR-Tools' routing solver; its
   direction is chosen so a revisit falls in the other half of the day (morning/afternoon) from
   the knock that went unanswered.
"""

import calendar
import datetime as dt
import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import cache

import numpy as np

from octopus.reference import bank_holidays

LANGUAGE_BONUS_M = 1500.0
AREA_BONUS_M = 500.0
FULL_DAY_HOURS = 7.5  # the working day visits_per_day is set for (outreach.yaml)
EARTH_M = 6_371_000.0


class PlanningError(ValueError):
    """The inputs cannot make a plan; the message says which input and why."""


@dataclass(frozen=True)
class Worker:
    name: str
    start: tuple[float, float]  # latitude, longitude of where their day starts
    working_days: frozenset[int] = frozenset(range(5))  # Monday = 0
    hours: float = FULL_DAY_HOURS
    languages: frozenset[str] = frozenset()
    areas: frozenset[str] = frozenset()  # LSOA codes they prefer


@dataclass(frozen=True)
class Household:
    id: str
    lat: float
    lon: float
    lsoa: str = ""
    priority: int = 0  # high-risk residents and open prevention gaps: higher first
    languages: frozenset[str] = frozenset()
    # The last knock that went unanswered: its day and whether it was in the morning.
    unanswered_on: dt.date | None = None
    unanswered_morning: bool | None = None


@dataclass
class Day:
    date: dt.date
    metres: int
    households: list[Household]


@dataclass
class WorkerPlan:
    worker: Worker
    days: list[Day] = field(default_factory=list)


@dataclass
class Plan:
    workers: list[WorkerPlan]
    unallocated: list[Household]
    moved: int  # households that were with another CHWW, still working, in the previous plan
    bank_holidays: list[tuple[dt.date, str]] = field(default_factory=list)  # in the month; nobody is planned on them

    def as_json(self) -> dict:
        return {
            "chwws": [
                {
                    "name": wp.worker.name,
                    "days": [
                        {
                            "date": day.date.isoformat(),
                            "metres": day.metres,
                            "households": [{"id": h.id, "lat": h.lat, "lon": h.lon} for h in day.households],
                        }
                        for day in wp.days
                    ],
                }
                for wp in self.workers
            ]
        }


# --- geometry -----------------------------------------------------------------------------------


def _xy(lat, lon, origin_lat: float) -> np.ndarray:
    """Metres east and north on a local plane: exact enough within a borough, and cheap."""
    lat, lon = np.asarray(lat, float), np.asarray(lon, float)
    return np.stack(
        [np.radians(lon) * math.cos(math.radians(origin_lat)) * EARTH_M, np.radians(lat) * EARTH_M], axis=-1
    )


def _distances(points: np.ndarray) -> np.ndarray:
    return np.rint(np.hypot(*(points[:, None, :] - points[None, :, :]).transpose(2, 0, 1))).astype(np.int64)


@cache
def _bank_holidays() -> dict[dt.date, str]:
    return bank_holidays()


def month_days(month: str) -> list[dt.date]:
    try:
        year, number = (int(part) for part in month.split("-"))
        last = calendar.monthrange(year, number)[1]
    except (ValueError, calendar.IllegalMonthError) as error:
        raise PlanningError(f"--month: {month!r} is not a month; write YYYY-MM, for example 2026-12.") from error
    return [dt.date(year, number, day) for day in range(1, last + 1)]


def month_bank_holidays(month: str) -> list[tuple[dt.date, str]]:
    """The month's bank holidays in England and Wales (gov.uk's list, shipped in
    octopus.reference). A month past the list's last year is refused: planning CHWWs onto a bank
    holiday nobody listed is worse than asking for the list to be brought up to date."""
    days = month_days(month)
    holidays = _bank_holidays()
    if days[0].year > max(holidays).year:
        raise PlanningError(
            f"--month {month}: the shipped bank holiday list (octopus/reference/bank_holidays_england_wales.csv, "
            f"from gov.uk) ends with {max(holidays).year}; add {days[0].year}'s bank holidays before planning this "
            "month."
        )
    return [(d, holidays[d]) for d in days if d in holidays]


def working_days(month: str, worker: Worker) -> list[dt.date]:
    """The worker's working weekdays in the month, bank holidays left out."""
    closed = {d for d, _ in month_bank_holidays(month)}
    return [d for d in month_days(month) if d.weekday() in worker.working_days and d not in closed]


def visits_per_day(worker: Worker, full_day: int) -> int:
    return max(1, round(full_day * worker.hours / FULL_DAY_HOURS))


# --- routes -------------------------------------------------------------------------------------


def route(
    start: np.ndarray, points: np.ndarray, *, seconds: float = 0.0, first_only: bool = False
) -> tuple[list[int], int]:
    """The order to walk ``points`` from ``start`` (not back: the day ends at the last door), and
    its length in metres. OR-Tools' routing solver: cheapest-arc first solution improved by local
    search; with ``seconds`` > 0, guided local search for that long (the reference run); with
    ``first_only``, the first solution alone (to cut a month's loop into days, where speed matters
    more than the last metre: each day is routed properly afterwards)."""
    n = len(points)
    if n == 0:
        return [], 0
    if n == 1:
        return [0], int(round(float(np.hypot(*(points[0] - start)))))
    from ortools.constraint_solver import pywrapcp, routing_enums_pb2

    matrix = _distances(np.vstack([start, points]))
    matrix[:, 0] = 0  # an open path: returning to the start costs nothing
    manager = pywrapcp.RoutingIndexManager(n + 1, 1, 0)
    routing = pywrapcp.RoutingModel(manager)
    transit = routing.RegisterTransitMatrix(matrix.tolist())
    routing.SetArcCostEvaluatorOfAllVehicles(transit)
    parameters = pywrapcp.DefaultRoutingSearchParameters()
    parameters.first_solution_strategy = routing_enums_pb2.FirstSolutionStrategy.PATH_CHEAPEST_ARC
    if first_only:
        parameters.solution_limit = 1
    elif seconds > 0:
        parameters.local_search_metaheuristic = routing_enums_pb2.LocalSearchMetaheuristic.GUIDED_LOCAL_SEARCH
        parameters.time_limit.FromMilliseconds(int(seconds * 1000))
    solution = routing.SolveWithParameters(parameters)
    order, index = [], routing.Start(0)
    while not routing.IsEnd(index := solution.Value(routing.NextVar(index))):
        order.append(manager.IndexToNode(index) - 1)
    return order, int(solution.ObjectiveValue())


def _length(start: np.ndarray, points: np.ndarray) -> int:
    if not len(points):
        return 0
    legs = np.diff(np.vstack([start, points]), axis=0)
    return int(round(float(np.hypot(legs[:, 0], legs[:, 1]).sum())))


# --- the plan -----------------------------------------------------------------------------------


def _choose(households: Sequence[Household], capacity: int) -> tuple[list[Household], list[Household]]:
    ranked = sorted(households, key=lambda h: (-h.priority, h.unanswered_on is None, h.id))
    return ranked[:capacity], ranked[capacity:]


def _assign(households, workers, capacities, previous, origin_lat) -> tuple[list[int], int]:
    """The worker index for each household (stable, then by regret to the nearest patch centre)."""
    index_of = {w.name: i for i, w in enumerate(workers)}
    points = _xy([h.lat for h in households], [h.lon for h in households], origin_lat)
    owner = np.full(len(households), -1)
    room = np.array(capacities)
    for i, h in enumerate(households):
        w = index_of.get(previous.get(h.id, ""), -1)
        if w >= 0 and room[w] > 0:
            owner[i], room[w] = w, room[w] - 1
    kept = owner.copy()
    starts = _xy([w.start[0] for w in workers], [w.start[1] for w in workers], origin_lat)
    centres = np.array(
        [points[kept == w].mean(axis=0) if (kept == w).any() else starts[w] for w in range(len(workers))]
    )
    bonus = np.zeros((len(households), len(workers)))
    for w, worker in enumerate(workers):
        for i, h in enumerate(households):
            bonus[i, w] = (LANGUAGE_BONUS_M if h.languages & worker.languages else 0) + (
                AREA_BONUS_M if h.lsoa in worker.areas else 0
            )
    for _ in range(4):  # assign, move each centre to its patch, assign again
        owner = kept.copy()
        left = room.copy()
        cost = np.hypot(*(points[:, None, :] - centres[None, :, :]).transpose(2, 0, 1)) - bonus
        free = np.flatnonzero(owner < 0)
        ordered = np.sort(cost[free], axis=1)
        regret = ordered[:, 1] - ordered[:, 0] if len(workers) > 1 else np.zeros(len(free))
        for i in free[np.argsort(-regret, kind="stable")]:
            for w in np.argsort(cost[i], kind="stable"):
                if left[w] > 0:
                    owner[i], left[w] = w, left[w] - 1
                    break
        centres = np.array(
            [points[owner == w].mean(axis=0) if (owner == w).any() else centres[w] for w in range(len(workers))]
        )
    # Moved: with a CHWW who is still here in the previous plan, and now with someone else.
    moved = sum(
        1
        for i, h in enumerate(households)
        if previous.get(h.id) in index_of and previous[h.id] != workers[owner[i]].name
    )
    return owner.tolist(), moved


def _days_for(worker, dates, per_day, households, origin_lat, seconds) -> list[Day]:
    start = _xy([worker.start[0]], [worker.start[1]], origin_lat)[0]
    points = _xy([h.lat for h in households], [h.lon for h in households], origin_lat)
    loop, _ = route(start, points, first_only=True)
    ordered = [households[i] for i in loop]
    chunks = [ordered[k : k + per_day] for k in range(0, len(ordered), per_day)][: len(dates)]
    _move_revisits_off_their_weekday(chunks, dates)
    days = []
    for date, chunk in zip(dates, chunks, strict=False):
        pts = _xy([h.lat for h in chunk], [h.lon for h in chunk], origin_lat)
        order, _ = route(start, pts, seconds=seconds)
        forward = [chunk[i] for i in order]
        backward = forward[::-1]
        best = min(
            (forward, backward), key=lambda seq: (_time_of_day_clashes(seq), _length(start, _pts(seq, origin_lat)))
        )
        days.append(Day(date, _length(start, _pts(best, origin_lat)), best))
    return days


def _pts(households, origin_lat):
    return _xy([h.lat for h in households], [h.lon for h in households], origin_lat)


def _time_of_day_clashes(sequence: Sequence[Household]) -> int:
    half = len(sequence) / 2
    return sum(
        1 for k, h in enumerate(sequence) if h.unanswered_morning is not None and (k < half) == h.unanswered_morning
    )


def _move_revisits_off_their_weekday(chunks: list[list[Household]], dates: list[dt.date]) -> None:
    """Swap a revisit planned on the weekday it went unanswered with a first visit on a
    neighbouring day (nearest day first, so the walking stays compact)."""
    for d, chunk in enumerate(chunks):
        for k, h in enumerate(chunk):
            if h.unanswered_on is None or dates[d].weekday() != h.unanswered_on.weekday():
                continue
            for other in sorted(range(len(chunks)), key=lambda o: (abs(o - d), o)):
                if dates[other].weekday() == h.unanswered_on.weekday():
                    continue
                swap = next(
                    (
                        j
                        for j, g in enumerate(chunks[other])
                        if g.unanswered_on is None or g.unanswered_on.weekday() != dates[d].weekday()
                    ),
                    None,
                )
                if swap is not None:
                    chunk[k], chunks[other][swap] = chunks[other][swap], chunk[k]
                    break


def plan_month(
    month: str,
    workers: Sequence[Worker],
    households: Sequence[Household],
    *,
    households_per_chww: int = 120,
    full_day_visits: int = 9,
    previous: dict[str, str] | None = None,
    route_seconds: float = 0.0,
    progress=None,
) -> Plan:
    """The month's plan. ``previous`` maps household id -> CHWW name from the last plan (kept
    where that CHWW is still here and has room). ``progress(done, total)`` is told after each CHWW."""
    if not workers:
        raise PlanningError("No CHWWs to plan for: give at least one in the workforce file.")
    if households_per_chww < 1:
        raise PlanningError(f"households_per_chww must be at least 1, got {households_per_chww}.")
    names = [w.name for w in workers]
    if len(set(names)) != len(names):
        raise PlanningError("Two CHWWs have the same name in the workforce file; names identify them in the plan.")
    dates = {w.name: working_days(month, w) for w in workers}
    per_day = {w.name: visits_per_day(w, full_day_visits) for w in workers}
    capacities = [min(households_per_chww, len(dates[w.name]) * per_day[w.name]) for w in workers]
    chosen, unallocated = _choose(households, sum(capacities))
    origin_lat = float(np.mean([h.lat for h in chosen])) if chosen else 51.5
    owner, moved = _assign(chosen, workers, capacities, previous or {}, origin_lat) if chosen else ([], 0)
    plans = []
    for w, worker in enumerate(workers):
        mine = [h for h, o in zip(chosen, owner, strict=True) if o == w]
        plans.append(
            WorkerPlan(
                worker, _days_for(worker, dates[worker.name], per_day[worker.name], mine, origin_lat, route_seconds)
            )
        )
        if progress:
            progress(w + 1, len(workers))
    return Plan(plans, unallocated, moved, month_bank_holidays(month))
