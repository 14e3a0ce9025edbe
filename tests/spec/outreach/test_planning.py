"""Spec tests for the monthly workforce plan (octopus.outreach.planning): capacity respected,
every target household allocated once, revisits on a different weekday and half of the day,
stable re-planning, language match, and the JSON shape `octopus outreach plan --format json` prints."""

import datetime as dt
import random

import pytest

from octopus.outreach.planning import Household, PlanningError, Worker, plan_month

MONTH = "2026-12"  # 23 weekdays, 21 working days: 25 and 28 December are bank holidays
CENTRE = (51.5240, -0.1700)


def _households(n: int, seed: int = 7, **extra) -> list[Household]:
    rng = random.Random(seed)
    return [
        Household(f"H{i:03}", CENTRE[0] + rng.uniform(-0.01, 0.01), CENTRE[1] + rng.uniform(-0.015, 0.015), **extra)
        for i in range(n)
    ]


def _workers(n: int, **extra) -> list[Worker]:
    return [Worker(f"CHWW {i}", (CENTRE[0] + 0.004 * (i - 1), CENTRE[1] + 0.006 * (i - 1)), **extra) for i in range(n)]


def _allocated(plan) -> list[str]:
    return [h.id for w in plan.workers for d in w.days for h in d.households]


def test_every_target_household_is_allocated_once_when_capacity_allows():
    households = _households(90)
    plan = plan_month(MONTH, _workers(3), households, households_per_chww=30)
    ids = _allocated(plan)
    assert sorted(ids) == sorted(h.id for h in households) and len(set(ids)) == len(ids)
    assert plan.unallocated == []


def test_capacity_is_respected_and_balanced():
    plan = plan_month(MONTH, _workers(3), _households(100), households_per_chww=30, full_day_visits=4)
    for worker_plan in plan.workers:
        assert sum(len(d.households) for d in worker_plan.days) == 30
        assert all(len(d.households) <= 4 for d in worker_plan.days)
        assert all(d.date.weekday() < 5 for d in worker_plan.days)
    assert len(plan.unallocated) == 10


def test_working_days_and_hours_limit_capacity():
    part_time = Worker("Part time", CENTRE, working_days=frozenset({1}), hours=3.75)  # Tuesdays, half days
    plan = plan_month(MONTH, [part_time], _households(40), households_per_chww=120, full_day_visits=8)
    days = plan.workers[0].days
    assert [d.date.weekday() for d in days] == [1] * 5  # five Tuesdays in December 2026
    assert sum(len(d.households) for d in days) == 20  # 4 a half day × 5 days


def test_high_priority_households_come_first():
    households = _households(20) + [Household("URGENT", CENTRE[0] + 0.02, CENTRE[1], priority=3)]
    plan = plan_month(MONTH, _workers(1), households, households_per_chww=10)
    assert "URGENT" in _allocated(plan)


def test_revisits_are_on_a_different_weekday_and_half_of_the_day():
    monday = dt.date(2026, 11, 30)
    revisits = _households(18, seed=3, unanswered_on=monday, unanswered_morning=True)
    revisits = [Household(f"R{h.id}", h.lat, h.lon, unanswered_on=monday, unanswered_morning=True) for h in revisits]
    plan = plan_month(MONTH, _workers(1), revisits + _households(42), households_per_chww=60, full_day_visits=6)
    for day in plan.workers[0].days:
        assert all(day.date.weekday() != monday.weekday() for h in day.households if h.unanswered_on)
    afternoon = [
        position >= len(day.households) / 2
        for day in plan.workers[0].days
        for position, h in enumerate(day.households)
        if h.unanswered_on
    ]
    assert sum(afternoon) > len(afternoon) / 2  # mostly in the afternoon; a day of only revisits cannot be


def test_replanning_after_a_chww_leaves_keeps_the_others_households():
    households = _households(90)
    workers = _workers(3)
    first = plan_month(MONTH, workers, households, households_per_chww=30)
    previous = {h.id: w.worker.name for w in first.workers for d in w.days for h in d.households}
    again = plan_month(MONTH, workers[:2], households, households_per_chww=45, previous=previous)
    staying = {h for h, name in previous.items() if name != workers[2].name}
    now = {h.id: w.worker.name for w in again.workers for d in w.days for h in d.households}
    assert all(now[h] == previous[h] for h in staying)
    assert again.moved == 0  # the leaver's households were not "moved" from anyone still here
    joined = plan_month(MONTH, [*workers, Worker("New", CENTRE)], households, households_per_chww=30, previous=previous)
    assert joined.moved == 0


def test_language_match_is_preferred():
    speaker = Worker("Speaks Somali", (CENTRE[0] + 0.004, CENTRE[1]), languages=frozenset({"somali"}))
    other = Worker("Other", (CENTRE[0] - 0.004, CENTRE[1]))
    households = _households(20) + [Household("SOMALI", CENTRE[0] - 0.003, CENTRE[1], languages=frozenset({"somali"}))]
    plan = plan_month(MONTH, [speaker, other], households, households_per_chww=15)
    owner = {h.id: w.worker.name for w in plan.workers for d in w.days for h in d.households}
    assert owner["SOMALI"] == "Speaks Somali"


def test_json_shape_is_the_documented_interface():
    plan = plan_month(MONTH, _workers(2), _households(10), households_per_chww=5)
    document = plan.as_json()
    assert set(document) == {"chwws"}
    for chww in document["chwws"]:
        assert set(chww) == {"name", "days"}
        for day in chww["days"]:
            assert set(day) == {"date", "metres", "households"} and isinstance(day["metres"], int)
            assert all(set(h) == {"id", "lat", "lon"} for h in day["households"])


def test_day_metres_are_the_walk_from_the_start_in_visiting_order():
    worker = Worker("Line", (51.5, -0.17))
    line = [Household(f"P{i}", 51.5 + 0.001 * i, -0.17) for i in (3, 1, 2)]
    day = plan_month(MONTH, [worker], line, households_per_chww=3).workers[0].days[0]
    assert [h.id for h in day.households] == ["P1", "P2", "P3"]
    assert day.metres == pytest.approx(333, abs=2)  # 0.003° of latitude


def test_bad_month_says_how_to_write_it():
    with pytest.raises(PlanningError, match="YYYY-MM"):
        plan_month("December", _workers(1), _households(3))


def test_bank_holidays_are_not_working_days():
    # gov.uk, England and Wales: Christmas Day on Friday 25 December 2026, Boxing Day (a Saturday)
    # substituted on Monday 28 December; Good Friday and Easter Monday 2026 are 3 and 6 April.
    plan = plan_month(MONTH, _workers(1), _households(300), households_per_chww=300, full_day_visits=9)
    dates = [d.date for d in plan.workers[0].days]
    assert len(dates) == 21
    assert dt.date(2026, 12, 25) not in dates and dt.date(2026, 12, 28) not in dates
    assert dt.date(2026, 12, 24) in dates and dt.date(2026, 12, 29) in dates
    assert plan.bank_holidays == [
        (dt.date(2026, 12, 25), "Christmas Day"),
        (dt.date(2026, 12, 28), "Boxing Day (substitute day)"),
    ]
    april = [
        d.date for d in plan_month("2026-04", _workers(1), _households(300), households_per_chww=300).workers[0].days
    ]
    assert dt.date(2026, 4, 3) not in april and dt.date(2026, 4, 6) not in april and len(april) == 20


def test_a_month_past_the_shipped_bank_holidays_is_refused():
    with pytest.raises(PlanningError, match="bank holiday list .* ends with 2027"):
        plan_month("2028-01", _workers(1), _households(3))
