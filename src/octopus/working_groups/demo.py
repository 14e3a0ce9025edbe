"""A demo working group: homelessness, chaired by the INT manager, with the council's social
worker, the link worker and the debt adviser from a VCSE organisation; it watches the
unregistered-residents cohort (people known to partners but not registered with a GP, where
people sleeping rough and in hostels are found), one action in the social worker's inbox and one
issue in the log. Safe to repeat."""

import datetime as dt

from django.db import transaction
from django.utils import timezone

from . import indicators, services
from .models import WorkingGroup

NAME = "Homelessness and health"


@transaction.atomic
def seed(users: dict) -> dict:
    chair = users.get("manager")
    if chair is None:
        return {"skipped": "The manager demo user is needed."}
    if WorkingGroup.objects.filter(name=NAME).exists():
        return {"skipped": "The demo working group exists."}
    cohort = "unregistered_residents" if "unregistered_residents" in indicators.cohort_names() else ""
    group = services.create_group(
        chair,
        name=NAME,
        topic="homelessness",
        watched_cohort=cohort,
        aims=(
            "Everyone sleeping rough or in temporary accommodation is registered with a GP, "
            "and nobody is discharged from hospital to the street."
        ),
    )
    members = [users[u] for u in ("socialworker", "prescriber", "vcse") if users.get(u)]
    for member in members:
        services.add_member(group, chair, member)
    actions = 0
    if users.get("socialworker"):
        services.add_action(
            group,
            chair,
            text="Agree a GP registration route for hostel residents with the PCN",
            owner=users["socialworker"],
            due=timezone.localdate() + dt.timedelta(days=14),
        )
        actions = 1
    services.escalate(group, chair, issue="No step-down beds for people discharged from hospital with no fixed abode")
    return {"working group": 1, "members": len(members) + 1, "actions": actions, "issues logged": 1}
