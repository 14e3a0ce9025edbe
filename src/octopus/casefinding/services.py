"""Bulk actions on the residents chosen from a case-finding list. Each resident is acted on in a
transaction of their own, through the owning app's services (which audit their changes), and
the decision is recorded on the list and audited for that resident. A resident the action
cannot be taken for is refused, with the reason, and the others go ahead.

Refused for everyone: no legitimate relationship that opens the record (the list only shows
residents the user may open, but a form can be replayed and relationships end), death, and an
objection to use beyond direct care recorded since the list was made (the lists come from
population analytics; the publish step leaves objectors off them, decision 0022). Refused per
action: the resident's contact preferences (check-ins ring them; outreach knocks on their door)
and a refusal of consent to be discussed (meetings).
"""

import datetime as dt
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from octopus.care import services as care
from octopus.care.models import CareTier, CaseSource, TaskSource
from octopus.care.models.tier import TIER_ORDER
from octopus.governance import access, audit, consent
from octopus.governance.models import ContactRoute, LawfulBasis, Objection
from octopus.meetings import services as meetings
from octopus.outreach import services as outreach
from octopus.residents.models import Resident

from . import config
from .discharges import recent_discharge
from .lists import CaseList
from .models import CheckInProgramme, DischargeFollowUp, ListDecision, Outcome


@dataclass(frozen=True)
class Refusal:
    resident: Resident
    reason: str


@dataclass
class BulkResult:
    outcome: str
    done: list[Resident] = field(default_factory=list)
    refused: list[Refusal] = field(default_factory=list)


class NotPermitted(PermissionDenied):
    """The user's role does not include this action (the form does not offer it)."""


def _objection(resident: Resident) -> str:
    objection = Objection.objects.filter(resident=resident, withdrawn_at__isnull=True).first()
    if objection is None:
        return ""
    return (
        f"{objection.get_kind_display()} recorded: this list comes from population analytics the resident "
        "opted out of. Act through their GP or a referral instead."
    )


def _common_refusal(actor, resident: Resident) -> tuple[str, str]:
    """(refusal reason, basis): the reason is empty when the action may go ahead."""
    basis = access.basis_for(actor, resident)
    if basis is None:
        return "You have no legitimate relationship with this resident any more.", ""
    if resident.is_deceased:
        return f"Died on {resident.date_of_death:%d %B %Y}.", basis
    return _objection(resident), basis


def _decide(
    case_list: CaseList,
    resident: Resident,
    actor,
    outcome: str,
    detail: str,
    basis: str,
    *,
    note: str = "",
    path: str = "",
) -> ListDecision:
    decision = ListDecision.objects.create(
        list_name=case_list.name,
        resident=resident,
        outcome=outcome,
        detail=detail[:300],
        note=(note or "").strip()[:500],
        listed_reason=(resident.rising_risk_reason if case_list.is_rising_risk else "")[:300],
        listed_band=resident.risk_band,
        listed_segment=resident.segment,
        snapshot_run_id=resident.snapshot_run_id,
        decided_by=actor,
        decided_at=timezone.now(),
    )
    words = f"{case_list.title} list: {Outcome(outcome).label}" + (f" – {detail}" if detail else "")
    action = "review" if outcome == Outcome.NO_ACTION else "create"
    audit.record(actor, action, words[:300], resident_id=resident.person_id, obj=decision, basis=basis, path=path)
    return decision


def _run(
    case_list: CaseList,
    residents: Iterable[Resident],
    actor,
    outcome: str,
    act: Callable[[Resident], tuple[str, str]],
    check: Callable[[Resident], str] | None = None,
    *,
    note: str = "",
    path: str = "",
) -> BulkResult:
    """``check(resident)`` gives an action's own refusal reason; ``act(resident)`` does it and
    returns (detail, refusal): a ValidationError from another app's service is a refusal too."""
    result = BulkResult(outcome)
    for resident in residents:
        reason, basis = _common_refusal(actor, resident)
        reason = reason or (check(resident) if check else "")
        if reason:
            result.refused.append(Refusal(resident, reason))
            continue
        try:
            with transaction.atomic():
                detail, refusal = act(resident)
                if refusal:
                    raise ValidationError(refusal)
                _decide(case_list, resident, actor, outcome, detail, basis, note=note, path=path)
        except ValidationError as error:
            result.refused.append(Refusal(resident, " ".join(error.messages)))
            continue
        result.done.append(resident)
    return result


def _require(actor, capability: str, action: str) -> None:
    if not actor.has_capability(capability):
        raise NotPermitted(f"Your role does not include {action}.")


# --- the actions ---------------------------------------------------------------------------


def open_cases(
    case_list: CaseList, residents, actor, *, tier: str, team, lead_professional, reason: str, path: str = ""
) -> BulkResult:
    """Journey 2: each resident into ``tier`` (never down from a higher one), on the team's
    caseload held by the lead professional, with a care plan they lead and a task to make contact."""
    _require(actor, "hold_caseload", "opening cases")
    if tier not in (CareTier.PROACTIVE, CareTier.COMPLEX):
        raise ValidationError({"tier": "Choose the proactive or the complex tier."})
    if not (reason or "").strip():
        raise ValidationError({"reason": "Say why these residents are being taken on."})
    if team.pk not in actor.team_ids:
        raise ValidationError({"team": "Choose one of your own teams' caseloads."})
    source = CaseSource.RISING_RISK if case_list.is_rising_risk else CaseSource.COHORT

    def act(resident):
        current = care.current_tier(resident)
        if current is None or TIER_ORDER[CareTier(current.tier)] < TIER_ORDER[CareTier(tier)]:
            care.set_tier(resident, tier, reason, actor, path=path)
        care.open_case(resident, team, actor, source=source, holder=lead_professional, path=path)
        plan = care.start_plan(resident, actor, lead_professional=lead_professional, path=path)
        if plan.lead_professional_id is None:
            plan.lead_professional = lead_professional
            plan.save(update_fields=["lead_professional"])
        care.create_task(
            lead_professional,
            f"{case_list.title}: contact {resident.name} and start their care plan",
            timezone.localdate() + dt.timedelta(days=7),
            resident=resident,
            link=f"/residents/{resident.person_id}/",
            source=TaskSource.TIER,
        )
        tier_words = CareTier(tier).label.split(" (")[0]
        return f"{tier_words} tier on {team.name}, {lead_professional.display_name} lead professional", ""

    return _run(case_list, residents, actor, Outcome.CASE, act, path=path)


def add_to_meeting(case_list: CaseList, residents, actor, *, meeting, reason: str, path: str = "") -> BulkResult:
    _require(actor, "attend_meetings", "adding residents to meetings")
    from octopus.meetings.membership import is_member

    if not is_member(actor, meeting.series):
        raise ValidationError({"meeting": "Choose a meeting of a series you belong to."})
    if not (reason or "").strip():
        raise ValidationError({"reason": "Say why these residents should be discussed."})

    def check(resident):
        decision = consent.consent_to_discuss(resident)
        if decision is not None and not decision.allowed and decision.basis == LawfulBasis.CONSENT:
            return f"{resident.name} refused consent to be discussed at a meeting."
        return ""

    def act(resident):
        meetings.add_resident(meeting, resident, actor, f"{case_list.title} list: {reason.strip()}", path=path)
        return f"Worklist of {meeting}", ""

    return _run(case_list, residents, actor, Outcome.MEETING, act, check, path=path)


def start_check_ins(
    case_list: CaseList, residents, actor, *, caller, script: str, first_due: dt.date, path: str = ""
) -> BulkResult:
    """The shielded model: one named caller rings each resident on the script's schedule; the
    calls are care check-ins held by the caller's organisation (any other organisation's are
    handed over, so the resident is not rung by several services)."""
    _require(actor, "hold_caseload", "starting check-ins")
    scripts = config.settings().scripts
    if script not in scripts:
        raise ValidationError({"script": f"Choose a script ({', '.join(scripts)})."})
    chosen = scripts[script]
    membership = caller.memberships.select_related("team__organisation").first() if caller else None
    if membership is None or not caller.has_capability("hold_caseload"):
        raise ValidationError({"caller": "Choose a caller who holds a caseload in a team."})
    organisation = membership.team.organisation

    def check(resident):
        if CheckInProgramme.objects.filter(resident=resident, ended_at__isnull=True).exists():
            return "Already has monthly check-ins running."
        allowed, why = consent.may_contact(resident, ContactRoute.PHONE)
        return "" if allowed else why

    def act(resident):
        CheckInProgramme.objects.create(
            resident=resident,
            caller=caller,
            organisation=organisation,
            script=chosen.code,
            every_days=chosen.every_days,
            calls=chosen.calls,
            list_name=case_list.name,
            started_by=actor,
            started_at=timezone.now(),
        )
        care.schedule_check_ins(
            resident,
            organisation=organisation,
            first_due=first_due,
            count=chosen.calls,
            actor=actor,
            every_days=chosen.every_days,
            assignee=caller,
            path=path,
        )
        return (
            f"{chosen.title}: {caller.display_name} calls every {chosen.every_days} days from {first_due:%-d %b %Y}",
            "",
        )

    return _run(case_list, residents, actor, Outcome.CHECK_INS, act, check, path=path)


def allocate_to_outreach(case_list: CaseList, residents, actor, *, round_, worker, path: str = "") -> BulkResult:
    """Each resident's household to a CHWW in a running round (outreach.services.allocate)."""
    _require(actor, "plan_outreach", "planning outreach")

    def check(resident):
        if resident.household_id is None:
            return "No household is recorded for the resident, so there is no door to knock on."
        refusal = outreach.not_to_visit([resident]).get(resident)
        return refusal or ""

    def act(resident):
        if round_.allocations.filter(withdrawn_at__isnull=True, household_id=resident.household_id).exists():
            allocation = round_.allocations.filter(
                withdrawn_at__isnull=True, household_id=resident.household_id
            ).first()
            if allocation.worker_id != worker.pk:
                return "", f"The household is already allocated to {allocation.worker.display_name} in {round_.name}."
        else:
            outreach.allocate(round_, actor, worker=worker, households=[resident.household], path=path)
        return f"{round_.name} with {worker.display_name}", ""

    return _run(case_list, residents, actor, Outcome.OUTREACH, act, check, path=path)


def reviewed_no_action(case_list: CaseList, residents, actor, *, note: str, path: str = "") -> BulkResult:
    """Looked at and not taken on, with why: the resident stays off the to-review list until
    what they were listed for changes (models/decision.py)."""
    if not (note or "").strip():
        raise ValidationError(
            {"note": "Write why no action is needed (for example: already under the heart failure nurses)."}
        )
    return _run(case_list, residents, actor, Outcome.NO_ACTION, lambda resident: ("", ""), note=note, path=path)


def start_discharge_follow_ups(case_list: CaseList, residents, actor, *, owner, path: str = "") -> BulkResult:
    """A follow-up call within 72 hours of each resident's discharge (casefinding.yaml cites the
    standard): one task in ``owner``'s inbox per resident, due on the third day after the
    discharge, and no second open task for the same discharge. Refused where no discharge in the
    list's window is recorded, where the owner could not open the record to make the call, where
    the resident asked not to be phoned, and for the reasons every bulk action is refused."""
    _require(actor, "hold_caseload", "starting discharge follow-ups")
    rule = config.settings().discharge_follow_up
    if case_list.name not in rule.lists:
        raise ValidationError(f"Discharge follow-ups start from the list of recent discharges, not {case_list.title}.")
    if owner is None or not owner.is_active or not owner.has_capability("hold_caseload"):
        raise ValidationError({"owner": "Choose a person who holds a caseload to make the calls."})
    today = timezone.localdate()
    found: dict[int, object] = {}

    def check(resident):
        discharge = recent_discharge(resident, today)
        if discharge is None:
            as_of = resident.snapshot_as_of or today
            return (
                f"No discharge from hospital in the 14 days to {as_of:%-d %B %Y} is recorded for {resident.name}, "
                "so there is no discharge to follow up."
            )
        earlier = (
            DischargeFollowUp.objects.filter(resident=resident, spell_key=discharge.spell_key)
            .select_related("task__owner")
            .first()
        )
        if earlier is not None and earlier.task.is_open:
            return (
                f"A follow-up call for the discharge on {discharge.discharged_on:%-d %B %Y} is already open with "
                f"{earlier.task.owner.display_name}, due {earlier.task.due:%-d %B %Y}."
            )
        if earlier is not None and earlier.task.done_at is not None:
            return (
                f"The follow-up call for the discharge on {discharge.discharged_on:%-d %B %Y} was done on "
                f"{timezone.localtime(earlier.task.done_at):%-d %B %Y}."
            )
        if access.basis_for(owner, resident) is None:
            return (
                f"{owner.display_name} has no relationship with {resident.name} that opens their record, so could not "
                "make the call."
            )
        allowed, why = consent.may_contact(resident, ContactRoute.PHONE)
        if not allowed:
            return why
        found[resident.pk] = (discharge, earlier)
        return ""

    def act(resident):
        discharge, earlier = found[resident.pk]
        due = discharge.discharged_on + dt.timedelta(days=rule.days)
        from_where = f" from {discharge.hospital}" if discharge.hospital else ""
        task = care.create_task(
            owner,
            f"Discharge follow-up: call {resident.name} (discharged {discharge.discharged_on:%-d %b %Y}{from_where})",
            due,
            resident=resident,
            link=f"/residents/{resident.person_id}/",
            source=TaskSource.DISCHARGE,
        )
        if earlier is not None:  # its task was cancelled: the follow-up takes the new one
            updated = DischargeFollowUp.objects.filter(pk=earlier.pk, task_id=earlier.task_id).update(
                task=task, started_by=actor, started_at=timezone.now(), list_name=case_list.name
            )
            if not updated:
                return "", "Someone else started this follow-up at the same time."
        else:
            try:
                with transaction.atomic():
                    DischargeFollowUp.objects.create(
                        resident=resident,
                        spell_key=discharge.spell_key,
                        discharged_on=discharge.discharged_on,
                        hospital=discharge.hospital[:200],
                        task=task,
                        list_name=case_list.name,
                        started_by=actor,
                        started_at=timezone.now(),
                    )
            except IntegrityError:  # two people started it at once: the other request's task stands
                return "", "Someone else started this follow-up at the same time."
        overdue = " (already past: call today)" if due < today else ""
        return (
            f"Follow-up call by {owner.display_name} due {due:%-d %b %Y}{overdue}, "
            f"{rule.within_hours} hours after the discharge on {discharge.discharged_on:%-d %b %Y}"
        ), ""

    return _run(case_list, residents, actor, Outcome.FOLLOW_UP, act, check, path=path)
