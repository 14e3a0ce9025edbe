"""Demo social prescribing for the neighbourhood the demo builds: Sam Whitfield's caseload
(the ``prescriber`` demo account) with reasons, what matters, goals, introductions to named people
at the directory's VCSE services, and ONS4 and SWEMWBS at the start and, for most, at review.

Demo records, written through the services so the audit log reads like real work; safe to repeat
(nothing is added once the team has any social prescription). The answers are the demo's own,
spread so that the outcomes page has enough people behind its figures to publish them."""

import datetime as dt
import itertools

from django.db import transaction
from django.utils import timezone

from octopus.care.models import Case

from . import queries, services
from .models import Prescription

REASONS = [
    ["loneliness", "low_mood"],
    ["money"],
    ["loneliness"],
    ["money", "housing"],
    ["employment", "low_mood"],
    ["long_term_condition"],
    ["caring", "loneliness"],
    ["digital"],
]
SOURCES = itertools.cycle(["gp", "gp", "community_health", "self", "housing", "outreach"])
WHAT_MATTERS = [
    "Getting out of the flat and seeing people again",
    "Sleeping at night without worrying about the rent",
    "Being well enough to look after my grandson",
    "Finding work that fits around my health",
]
GOALS = [
    "Go to the lunch club at the Abbey Centre",
    "Agree a payment plan for the arrears",
    "Walk to the park twice a week",
    "Join the job club at the library",
    "Learn to use the NHS App",
]
SWEMWBS_ITEMS = ("optimistic", "useful", "relaxed", "problems", "thinking_clearly", "close_to_others", "make_up_mind")
PEOPLE = 12
REVIEWED = 10


def _ons4(n: int, review: bool) -> dict:
    lift = (1 + n % 3) if review else 0
    return {
        "life_satisfaction": min(10, 3 + n % 3 + lift),
        "worthwhile": min(10, 4 + n % 2 + lift),
        "happiness": min(10, 3 + n % 4 + lift),
        "anxiety": max(0, 7 - n % 3 - lift),
    }


def _swemwbs(n: int, review: bool) -> dict:
    base = 2 + (n % 2) + (1 if review and n % 4 != 3 else 0)
    return {item: min(5, base + (i % 2)) for i, item in enumerate(SWEMWBS_ITEMS)}


@transaction.atomic
def seed(residents_qs, users: dict) -> dict:
    prescriber = users.get("prescriber")
    if prescriber is None:
        return {"skipped": "The prescriber demo user is needed."}
    teams = list(services.link_worker_teams(prescriber))
    if not teams:
        return {"skipped": "The prescriber is in no link worker team."}
    team = teams[0]
    if Prescription.objects.filter(case__team=team).exists():
        return {"skipped": "The link worker team already has social prescriptions."}
    on_caseload = Case.objects.filter(team=team, closed_at__isnull=True).values("resident_id")
    residents = list(residents_qs.filter(pk__in=on_caseload, date_of_death__isnull=True).order_by("person_id"))
    residents += list(
        residents_qs.filter(date_of_death__isnull=True)
        .exclude(pk__in=on_caseload)
        .order_by("person_id")[: max(0, PEOPLE - len(residents))]
    )
    practitioners = list(queries.vcse_practitioners()[:3])
    today = timezone.localdate()
    counts = dict.fromkeys(["social prescriptions", "introductions", "wellbeing reviews"], 0)
    for n, resident in enumerate(residents[:PEOPLE]):
        prescription = services.start(
            resident,
            prescriber,
            team=team,
            source=next(SOURCES),
            reason_codes=REASONS[n % len(REASONS)],
            what_matters=WHAT_MATTERS[n % len(WHAT_MATTERS)],
            referred_on=today - dt.timedelta(days=90 - 5 * n),
        )
        counts["social prescriptions"] += 1
        services.add_goal(prescription, prescriber, GOALS[n % len(GOALS)])
        if practitioners:
            services.introduce(
                prescription,
                prescriber,
                to_practitioner=practitioners[n % len(practitioners)],
                need=prescription.reasons[0],
                reason="Would welcome a call about what you offer",
                shared_information="Name and phone number; the reason for the referral",
                preferred_contact="phone",
                resident_agreed=True,
            )
            counts["introductions"] += 1
        started = prescription.referred_on + dt.timedelta(days=7)
        services.record_score(
            prescription, prescriber, instrument="ons4", occasion="start", answers=_ons4(n, False), recorded_on=started
        )
        services.record_score(
            prescription,
            prescriber,
            instrument="swemwbs",
            occasion="start",
            answers=_swemwbs(n, False),
            recorded_on=started,
        )
        if n < REVIEWED:
            reviewed = min(today, started + dt.timedelta(days=56))
            services.record_score(
                prescription,
                prescriber,
                instrument="ons4",
                occasion="review",
                answers=_ons4(n, True),
                recorded_on=reviewed,
            )
            services.record_score(
                prescription,
                prescriber,
                instrument="swemwbs",
                occasion="review",
                answers=_swemwbs(n, True),
                recorded_on=reviewed,
            )
            counts["wellbeing reviews"] += 1
    return counts
