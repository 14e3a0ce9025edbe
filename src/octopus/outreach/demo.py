"""Demo outreach for the Westminster neighbourhood: Amina, the demo CHWW, has a round in Church
Street (among the most deprived wards in London, IMD 2025) of 120 households in walking order,
nine a day. Eleven working days are done, so she is at 96 of 120 and today's nine are still to
visit (journey 6). Safe to run twice: while her round runs, nothing is added.

The doorstep prompts are the residents' open prevention gaps as the pipeline published them from
the synthetic GP feeds (decision 0021); nothing here invents them."""

import datetime as dt

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from octopus.core.formatting import plural
from octopus.governance.consent import record_contact_preference
from octopus.residents.models import ActivityEvent, Household

from . import areas, queries, services, walking
from .models import Round, Visit, VisitOutcome

HOUSEHOLDS = 120
PER_DAY = 9
DAYS_DONE = 11  # 99 doors knocked; three were no answer, so 96 count as visited
WARD = "Church Street"
BOROUGH = "Westminster"


def _working_days_before(day: dt.date, count: int) -> dt.date:
    while count:
        day -= dt.timedelta(days=1)
        count -= day.weekday() < 5
    return day


def _households(limit: int) -> list[Household]:
    """Households with someone living there, in Church Street ward first and then the next most
    deprived Westminster LSOAs, until there are enough."""
    lsoas = sorted(
        (a for code in areas.lsoas_matching(BOROUGH) if (a := areas.area(code)) and a.borough_name == BOROUGH),
        key=lambda a: (a.ward_name != WARD, a.imd_rank),
    )
    chosen: list[Household] = []
    for lsoa in lsoas:
        found = queries.living_households().filter(lsoa_code=lsoa.lsoa_code)
        chosen.extend(
            sorted(found, key=lambda h: walking.street_key(h.address_line, h.postcode))[: limit - len(chosen)]
        )
        if len(chosen) >= limit:
            break
    return chosen


def _outcome(position: int) -> str:
    if position % 33 == 0:
        return VisitOutcome.NO_ANSWER
    if position % 12 == 5:
        return VisitOutcome.DECLINED
    if position % 40 == 7:
        return VisitOutcome.MOVED
    return VisitOutcome.SPOKE


NOTES = (
    "Asked about the Abbey Centre drop-in.",
    "Damp in the bathroom; interested in a housing officer visit.",
    "Wants help with a blue badge.",
    "",
    "Booked in for the NHS Health Check.",
    "Lonely since his wife died; likes the lunch club idea.",
)


def _knock(allocations, worker, today: dt.date) -> int:
    done = 0
    for allocation in allocations:
        if allocation.planned_on is None or allocation.planned_on >= today:
            continue
        outcome = _outcome(allocation.position)
        spoke_with = (
            services.living_residents(allocation.household).first() if outcome != VisitOutcome.NO_ANSWER else None
        )
        visit = services.record_visit(
            allocation,
            worker,
            outcome=outcome,
            spoke_with=spoke_with,
            acknowledged=True,
            note=NOTES[allocation.position % len(NOTES)] if outcome == VisitOutcome.SPOKE else "",
        )
        # Recorded on the day it was planned, as if Amina had kept up with her round.
        Visit.objects.filter(pk=visit.pk).update(visited_on=allocation.planned_on)
        ActivityEvent.objects.filter(detail__visit_id=visit.pk).update(occurred_on=allocation.planned_on)
        done += 1
    return done


def _one_do_not_contact(allocations, planner, today: dt.date) -> None:
    """Someone in today's plan who asked not to be contacted, so the warning shows."""
    for allocation in allocations:
        if allocation.planned_on and allocation.planned_on >= today:
            residents = list(services.living_residents(allocation.household))
            if len(residents) >= 2:
                record_contact_preference(
                    actor=planner, resident=residents[1], do_not_contact=True, note="Contact through their GP only"
                )
                return


@transaction.atomic
def seed(users_by_username: dict) -> str | dict:
    worker, planner = users_by_username.get("chww"), users_by_username.get("manager")
    if worker is None:
        return {"skipped": "no demo CHWW account"}
    today = timezone.localdate()
    running = Round.objects.filter(
        Q(allocations__worker=worker), withdrawn_at__isnull=True, starts_on__lte=today, ends_on__gte=today
    )
    if running.exists():
        return {"skipped": f"{running.first().name} already planned"}
    households = _households(HOUSEHOLDS)
    if not households:
        return {"skipped": "no households published yet"}
    first_day = _working_days_before(today, DAYS_DONE)
    round_ = services.create_round(
        planner,
        name=f"{WARD}, {today:%B %Y}",
        area=f"{WARD} ward, most deprived LSOAs first",
        starts_on=first_day,
        ends_on=first_day + dt.timedelta(days=41),
    )
    allocations = services.allocate(
        round_, planner, worker=worker, households=households, visits_per_day=PER_DAY, first_day=first_day
    )
    knocked = _knock(allocations, worker, today)
    _one_do_not_contact(allocations, planner, today)
    return (
        f"{round_.name}: {plural(len(allocations), 'household')} allocated to {worker.display_name}, {knocked} knocked "
        "on so far"
    )
