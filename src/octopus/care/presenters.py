"""What care coordination contributes to the resident's record page, and the caseload rows."""

from collections.abc import Iterable
from dataclasses import dataclass, field

from django.utils import timezone

from .models import CarePlan, Case, CheckIn, CheckInStatus, Referral, TierAssignment
from .models.referral import OPEN_STATUSES
from .services.check_ins import organisations_contacting
from .services.referrals import actions_for


@dataclass
class Involved:
    """A team or person involved now, and how to reach them."""

    who: str
    team: str
    why: list[str] = field(default_factory=list)
    phone: str = ""
    email: str = ""


def _contact_for_user(user) -> tuple[str, str]:
    practitioner = getattr(user, "practitioner", None)
    if practitioner:
        return practitioner.phone, practitioner.email or user.email
    return "", user.email


def involvement(cases: Iterable, referrals: Iterable, plan: CarePlan | None, actions: list) -> list[Involved]:
    """Who is involved through the open ``cases`` (teams with their organisation, holders with
    their practitioner), the open ``referrals`` (teams with their organisation, owners with their
    practitioner), the ``plan`` and its ``actions`` (owners with practitioner and team), each
    newest first, as ``care_summary`` read them."""
    people: dict[tuple, Involved] = {}

    def add_user(user, team_name: str, why: str):
        key = ("user", user.pk)
        if key not in people:
            phone, email = _contact_for_user(user)
            job = user.practitioner.job_title if getattr(user, "practitioner", None) else ""
            people[key] = Involved(f"{user.display_name}{', ' + job if job else ''}", team_name, [], phone, email)
        people[key].why.append(why)

    def add_team(team, why: str):
        key = ("team", team.pk)
        if key not in people:
            people[key] = Involved(team.name, team.organisation.name, [], team.phone, team.email)
        people[key].why.append(why)

    for case in cases:
        if case.holder:
            add_user(case.holder, case.team.name, "Holds the case")
        else:
            add_team(case.team, "Resident on caseload")
    for referral in referrals:
        label = "Introduction" if referral.is_introduction else "Referral"
        if referral.owner:
            add_user(referral.owner, referral.to_team.name, f"{label} {referral.get_status_display().lower()}")
        elif referral.to_practitioner:
            p = referral.to_practitioner
            key = ("practitioner", p.pk)
            people.setdefault(key, Involved(f"{p.name}, {p.job_title}", referral.to_team.name, [], p.phone, p.email))
            people[key].why.append(f"{label} {referral.get_status_display().lower()}")
        else:
            add_team(referral.to_team, f"{label} {referral.get_status_display().lower()}")
    if plan:
        if plan.lead_professional:
            lead = plan.lead_professional
            add_user(
                lead, lead.practitioner.team.name if getattr(lead, "practitioner", None) else "", "Lead professional"
            )
        for action in actions:
            if not action.is_open:
                continue
            owner = action.owner
            add_user(
                owner,
                owner.practitioner.team.name if getattr(owner, "practitioner", None) else "",
                "Owns a care plan action",
            )
    for item in people.values():
        item.why = list(dict.fromkeys(item.why))
    return list(people.values())


@dataclass(frozen=True)
class Preferences:
    language: str
    interpreter_needed: bool
    contact_routes: list[tuple[str, str, str]]  # (route, details, from referral on date)
    sharing: list[tuple[str, str]]  # (what the resident agreed to share, with whom)


def preferences(resident, referrals: list) -> Preferences:
    """``referrals``: the resident's latest five, newest first."""
    return Preferences(
        language=resident.main_language,
        interpreter_needed=resident.interpreter_needed,
        contact_routes=[(r.get_preferred_contact_display(), r.contact_details, r.sent_at) for r in referrals],
        sharing=[(r.shared_information, r.recipient_label) for r in referrals],
    )


def care_summary(resident, user) -> dict:
    """Everything the record page shows from care coordination, in one call."""
    today = timezone.localdate()
    # Each of these is read once and shared by the parts of the page that show it.
    plan = CarePlan.objects.filter(resident=resident).select_related("lead_professional__practitioner__team").first()
    actions = list(plan.actions.select_related("owner__practitioner__team")) if plan else []
    # Every referral of the resident, read once: the page lists the latest and "who is involved"
    # names the open ones (a resident has a handful; a second read cost more).
    all_referrals = list(
        Referral.objects.filter(resident=resident)
        .select_related("to_team__organisation", "to_practitioner", "sender", "owner__practitioner")
        .order_by("-sent_at")
    )
    referrals = all_referrals[:10]
    open_cases = Case.objects.filter(resident=resident, closed_at__isnull=True).select_related(
        "team__organisation", "holder__practitioner"
    )
    return {
        "tier": TierAssignment.objects.filter(resident=resident).select_related("set_by").first(),
        "plan": plan,
        # ReSPECT-style recommendations: the record shows them prominently, to clinical scopes only.
        "advance_care": getattr(plan, "advance_care", None) if plan else None,
        "actions": actions,
        "referrals": [(r, actions_for(r, user)) for r in referrals],
        "upcoming": CheckIn.objects.filter(resident=resident, status=CheckInStatus.SCHEDULED).select_related(
            "organisation", "assignee"
        )[:6],
        "several_organisations": organisations_contacting(resident, today),
        "involved": involvement(
            open_cases,
            [r for r in all_referrals if r.status in OPEN_STATUSES],
            plan,
            actions,
        ),
        "preferences": preferences(resident, referrals[:5]),
        "today": today,
    }
