"""Everything that writes social prescribing records: in one transaction with an explicit audit
entry naming the resident, as the care services do."""

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from octopus.care import services as care
from octopus.care.models import CaseSource
from octopus.governance import audit

from . import measures, reasons
from .models import Goal, GoalStatus, Introduction, Occasion, Prescription, WellbeingScore

LINK_WORKER_ROLE = "social_prescriber"


def link_worker_teams(user):
    """The teams in which this user is a link worker (social prescriber)."""
    from octopus.directory.models import Team

    return Team.objects.filter(memberships__user=user, memberships__role=LINK_WORKER_ROLE).distinct()


def wemwbs_licensed() -> bool:
    return bool(getattr(settings, "OCTOPUS_WEMWBS_LICENSED", False))


def _may_work_on(prescription: Prescription, user) -> None:
    case = prescription.case
    if case.team_id not in user.team_ids and case.holder_id != user.pk:
        raise PermissionDenied("Only the link worker's team can change this social prescription.")


@transaction.atomic
def start(
    resident, actor, *, team, source: str, reason_codes, what_matters: str = "", referred_on=None, path: str = ""
) -> Prescription:
    """Put the resident on the link worker team's caseload with the referral's reason and source."""
    if team not in link_worker_teams(actor):
        raise PermissionDenied(f"You are not a link worker in {team.name}.")
    if source not in reasons.SOURCES:
        raise ValidationError({"source": f"Unknown referral source {source!r}."})
    try:
        codes = reasons.clean_reasons(list(reason_codes))
    except ValueError as problem:
        raise ValidationError({"reasons": str(problem)}) from None
    case = care.open_case(resident, team, actor, source=CaseSource.REFERRAL, holder=actor, path=path)
    existing = Prescription.objects.filter(case=case).first()
    if existing:
        raise ValidationError(f"{resident.name} is already on {team.name}'s social prescribing caseload.")
    prescription = Prescription.objects.create(
        case=case,
        source=source,
        reasons=codes,
        what_matters=what_matters.strip(),
        referred_on=referred_on or timezone.localdate(),
    )
    audit.record(
        actor,
        "create",
        f"Social prescribing started with {team.name}",
        resident_id=resident.person_id,
        obj=prescription,
        path=path,
    )
    return prescription


@transaction.atomic
def update_what_matters(prescription: Prescription, actor, text: str, path: str = "") -> Prescription:
    _may_work_on(prescription, actor)
    prescription.what_matters = text.strip()
    prescription.save(update_fields=["what_matters"])
    audit.record(
        actor,
        "change",
        "What matters to me updated",
        resident_id=prescription.case.resident.person_id,
        obj=prescription,
        path=path,
    )
    return prescription


@transaction.atomic
def add_goal(prescription: Prescription, actor, text: str, path: str = "") -> Goal:
    _may_work_on(prescription, actor)
    text = text.strip()
    if not text:
        raise ValidationError({"text": "Write the goal in the resident's words."})
    goal = Goal.objects.create(prescription=prescription, text=text[:300], set_on=timezone.localdate(), set_by=actor)
    audit.record(
        actor,
        "create",
        "Social prescribing goal added",
        resident_id=prescription.case.resident.person_id,
        obj=goal,
        path=path,
    )
    return goal


@transaction.atomic
def set_goal_status(goal: Goal, actor, status: str, path: str = "") -> Goal:
    _may_work_on(goal.prescription, actor)
    if status not in GoalStatus.values:
        raise ValidationError({"status": f"Unknown goal status {status!r}."})
    goal.status = status
    goal.save(update_fields=["status"])
    audit.record(
        actor,
        "change",
        f"Goal marked {goal.get_status_display().lower()}",
        resident_id=goal.prescription.case.resident.person_id,
        obj=goal,
        path=path,
    )
    return goal


@transaction.atomic
def introduce(
    prescription: Prescription,
    actor,
    *,
    to_practitioner,
    need: str,
    reason: str,
    shared_information: str,
    preferred_contact: str,
    resident_agreed: bool,
    path: str = "",
):
    """A warm introduction to a named person at a service, through the care app's referrals (so
    it reaches their inbox and its progress is tracked there), kept on the prescription."""
    _may_work_on(prescription, actor)
    if need not in prescription.reasons:
        raise ValidationError({"need": "Choose which of the resident's referral reasons this introduction is for."})
    referral = care.send_referral(
        prescription.case.resident,
        actor,
        to_practitioner=to_practitioner,
        reason=reason,
        urgency="routine",
        shared_information=shared_information,
        resident_agreed=resident_agreed,
        preferred_contact=preferred_contact,
        sender_team=prescription.case.team,
        send_anyway=True,
        path=path,
    )
    Introduction.objects.create(prescription=prescription, referral=referral, reason=need)
    return referral


@transaction.atomic
def record_score(
    prescription: Prescription,
    actor,
    *,
    instrument: str,
    occasion: str,
    answers: dict,
    recorded_on=None,
    path: str = "",
) -> WellbeingScore:
    """Score one measure; a review needs the same measure at the start, so change can be shown."""
    _may_work_on(prescription, actor)
    if instrument not in measures.INSTRUMENTS:
        raise ValidationError({"instrument": f"Unknown measure {instrument!r}."})
    tool = measures.INSTRUMENTS[instrument]
    if tool.licensed and not wemwbs_licensed():
        raise ValidationError(
            {
                "instrument": (
                    f"{tool.name} needs a licence from Warwick Medical School; "
                    "this installation has not recorded one (OCTOPUS_WEMWBS_LICENSED)."
                )
            }
        )
    if occasion not in Occasion.values:
        raise ValidationError({"occasion": f"Unknown occasion {occasion!r}."})
    try:
        figures = measures.scores(instrument, answers)
    except measures.MeasureError as problem:
        raise ValidationError({"answers": str(problem)}) from None
    taken = prescription.scores.filter(instrument=instrument)
    if occasion == Occasion.REVIEW and not taken.filter(occasion=Occasion.START).exists():
        raise ValidationError({"occasion": f"Record {tool.name} at the start before recording it at review."})
    if taken.filter(occasion=occasion).exists():
        raise ValidationError({"occasion": f"{tool.name} {Occasion(occasion).label.lower()} is already recorded."})
    score = WellbeingScore.objects.create(
        prescription=prescription,
        instrument=instrument,
        occasion=occasion,
        recorded_on=recorded_on or timezone.localdate(),
        recorded_by=actor,
        answers=tool.clean(answers),
        scores=figures,
    )
    audit.record(
        actor,
        "create",
        f"{tool.name} recorded {Occasion(occasion).label.lower()}",
        resident_id=prescription.case.resident.person_id,
        obj=score,
        path=path,
    )
    return score
