"""A small Church Street round for outreach tests: a planner, a CHWW and two households."""

import datetime as dt

from django.utils import timezone

from octopus.outreach import services
from octopus.residents.factories import make_household, make_resident


def make_round(planner=None, *, days_before: int = 7, days_after: int = 21, name: str = "Church Street, November"):
    today = timezone.localdate()
    return services.create_round(
        planner,
        name=name,
        area="Church Street ward",
        starts_on=today - dt.timedelta(days=days_before),
        ends_on=today + dt.timedelta(days=days_after),
    )


def church_street(make_user, *, chww_username: str = "amina"):
    """A round with two households allocated to one CHWW; the first household has two residents."""
    planner = make_user("int_manager", username=f"planner-for-{chww_username}", first_name="Helen", last_name="Clarke")
    chww = make_user("chww", username=chww_username, first_name="Amina", last_name="Hassan")
    first, second = make_household(address_line="12 Church Street"), make_household(address_line="3 Church Street")
    older = make_resident(
        household=first,
        given_name="Joseph",
        family_name="Mensah",
        date_of_birth=dt.date(1950, 3, 4),
        main_language="Twi",
        interpreter_needed=True,
        phone="07700 900111",
        email="joseph@example.org",
        flags={"housebound": True},
        prevention_gaps=[
            {
                "programme": "bowel_screening",
                "title": "Bowel cancer screening",
                "status": "overdue",
                "label": "Overdue",
                "due": "",
            },
            {
                "programme": "diabetes_care_processes",
                "title": "Diabetes care processes",
                "status": "overdue",
                "label": "Overdue",
                "due": "",
            },
        ],
    )
    younger = make_resident(household=first, given_name="Ama", family_name="Mensah", date_of_birth=dt.date(1990, 6, 1))
    neighbour = make_resident(household=second, given_name="Rita", family_name="Okoro")
    round_ = make_round(planner)
    allocations = services.allocate(
        round_, planner, worker=chww, households=[first, second], first_day=timezone.localdate()
    )
    by_household = {a.household_id: a for a in allocations}
    return {
        "planner": planner,
        "chww": chww,
        "round": round_,
        "households": (first, second),
        "older": older,
        "younger": younger,
        "neighbour": neighbour,
        "first": by_household[first.pk],
        "second": by_household[second.pk],
    }
