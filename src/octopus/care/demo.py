"""Demo care coordination for a neighbourhood that already has residents.

``seed(residents_qs, users_by_username)`` is called by the demo once a population exists. It works
through the services (so the audit log reads like a real week) and is safe to repeat: residents
that already have care records are left alone. Usernames are those in
``directory/seed/westminster.yaml``; missing users are skipped, not invented.
"""

import datetime as dt
import itertools

from django.db import transaction
from django.utils import timezone

from . import services
from .models import CareTier, Case, Referral

WHAT_MATTERS = [
    "Staying in my own flat and seeing my grandchildren on Sundays.",
    "Getting back to the lunch club at the Abbey Centre.",
    "Not going back into hospital; managing my breathing at home.",
    "Sorting out the rent so I can sleep at night.",
]
GOALS = [
    ["Walk to the shops twice a week", "Understand my inhalers"],
    ["Clear the rent arrears with a payment plan", "Meet one new person a week"],
    ["Fewer falls at home", "Carer gets a break every fortnight"],
]
NEEDS = [
    {"physical_health": "Heart failure with breathlessness on stairs", "isolation": "Lives alone, rarely goes out"},
    {"money": "Rent arrears since March; not claiming pension credit", "housing": "Damp in the bedroom"},
    {"carers": "Daughter is the main carer and exhausted", "mental_health": "Low mood since bereavement"},
    {"digital": "No smartphone; cannot book online", "physical_health": "Type 2 diabetes, HbA1c rising"},
]


def _team(user):
    membership = user.memberships.select_related("team__organisation").first()
    return membership.team if membership else None


@transaction.atomic
def seed(residents_qs, users_by_username: dict) -> dict:
    users = {name: user for name, user in users_by_username.items() if user is not None}
    coordinator = users.get("coordinator")
    matron, nurse, prescriber, fred = (
        users.get("matron"),
        users.get("nurse"),
        users.get("prescriber"),
        users.get("vcse"),
    )
    socialworker, gp = users.get("socialworker"), users.get("gp")
    if not coordinator or not matron:
        return {"skipped": "The coordinator and matron demo users are needed."}
    if (
        Case.objects.filter(resident__in=residents_qs).exists()
        or Referral.objects.filter(resident__in=residents_qs).exists()
    ):
        return {"skipped": "Residents already have care records."}
    residents = list(residents_qs.filter(date_of_death__isnull=True).order_by("-risk_probability", "person_id")[:60])
    today = timezone.localdate()
    core_team = _team(coordinator)
    counts = dict.fromkeys(["complex", "proactive", "plans", "check_ins", "referrals", "tasks"], 0)
    leads = itertools.cycle([u for u in (matron, nurse, socialworker, prescriber) if u])

    complex_group, proactive_group, referral_group = residents[:8], residents[8:24], residents[24:32]
    for n, resident in enumerate(complex_group):
        lead = matron if n % 2 == 0 else (gp or matron)
        services.set_tier(
            resident,
            CareTier.COMPLEX,
            "Discussed at the integrated care conference: complex needs across health and housing",
            coordinator,
        )
        services.open_case(
            resident,
            core_team,
            coordinator,
            source="meeting",
            holder=lead,
            next_review_due=today + dt.timedelta(days=(n % 5) * 7 - 7),
        )
        _plan(resident, coordinator, lead, n, today, leads)
        services.schedule_check_ins(
            resident,
            organisation=_team(lead).organisation,
            first_due=today + dt.timedelta(days=n % 7),
            count=4,
            actor=coordinator,
            assignee=lead,
        )
        counts["complex"] += 1
        counts["plans"] += 1
        counts["check_ins"] += 4
    services.add_to_proactive_tier(
        proactive_group,
        team=core_team,
        lead_professional=nurse or matron,
        reason="Rising risk: proactive review",
        actor=coordinator,
    )
    counts["proactive"] = len(proactive_group)
    counts["tasks"] += len(proactive_group)
    for n, resident in enumerate(proactive_group[:8]):
        lead = next(leads)
        services.schedule_check_ins(
            resident,
            organisation=_team(lead).organisation,
            first_due=today + dt.timedelta(days=3 + n),
            count=3,
            actor=coordinator,
            assignee=lead,
        )
        counts["check_ins"] += 3

    if prescriber and fred and referral_group:
        # Journey 5: Sam introduces a resident behind on rent to Fred at Citizens Advice by name.
        sp_team = _team(prescriber)
        first, *others = referral_group
        services.open_case(first, sp_team, prescriber, source="visit", holder=prescriber)
        intro = (
            services.send_referral(
                first,
                prescriber,
                to_practitioner=fred.practitioner,
                reason="Isolated and behind on rent; anxious about letters from the landlord.",
                urgency="soon",
                shared_information="Rent arrears since March; lives alone; prefers mornings.",
                resident_agreed=True,
                preferred_contact="phone",
                contact_details="Mornings before 11",
            )
            if fred.practitioner_id
            else None
        )
        if intro:
            services.accept(intro, fred, "I'll ring tomorrow morning.")
            counts["referrals"] += 1
        for n, resident in enumerate(others):
            services.open_case(resident, sp_team, prescriber, source="search", holder=prescriber)
            target = fred.practitioner if (n % 2 == 0 and fred.practitioner_id) else None
            referral = services.send_referral(
                resident,
                prescriber,
                to_practitioner=target,
                to_team=None if target else _team(socialworker or matron),
                reason="Needs help with benefits and a care assessment.",
                urgency=["routine", "soon", "urgent"][n % 3],
                shared_information="Struggling with money and personal care.",
                resident_agreed=True,
                preferred_contact=["phone", "visit", "via_referrer"][n % 3],
            )
            counts["referrals"] += 1
            if n % 3 == 1:
                receiver = fred if target else (socialworker or matron)
                services.accept(referral, receiver)
                services.record_first_contact(referral, receiver, "Home visit booked")
    counts["tasks"] += (
        1
        if services.create_task(
            coordinator, "Prepare Thursday's INC list", today + dt.timedelta(days=2), source="meeting"
        )
        else 0
    )
    return counts


def _plan(resident, actor, lead, n, today, leads):
    plan = services.start_plan(resident, actor, lead_professional=lead)
    services.save_plan(
        plan,
        actor,
        expected_version=plan.version,
        what_matters=WHAT_MATTERS[n % len(WHAT_MATTERS)],
        goals=GOALS[n % len(GOALS)],
        needs=NEEDS[n % len(NEEDS)],
        lead_professional=lead,
        review_date=today + dt.timedelta(days=28 + n),
    )
    for k, description in enumerate(
        ["Medication review", "Benefits check with Citizens Advice", "Falls assessment at home"]
    ):
        owner = next(leads)
        services.add_action(
            plan, actor, description=description, owner=owner, due=today + dt.timedelta(days=(k - 1) * 7 + n)
        )
