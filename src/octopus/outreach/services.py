"""Everything that changes outreach records goes through here: one transaction and one explicit
audit entry per change. The rules that matter for information governance are checked here as
well as in the views: only the allocated CHWW records visits, only while the allocation is
active, and never at a door where someone asked not to be contacted without the CHWW saying
they have read it.
"""

import datetime as dt
from collections.abc import Iterable

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import QuerySet
from django.utils import timezone

from octopus.accounts.models import User
from octopus.accounts.roles import catalogue
from octopus.care import services as care
from octopus.governance import audit, consent
from octopus.governance.models import ContactRoute
from octopus.residents.models import Household, Resident

from . import areas, config, conversation, relationships, walking
from .models import Allocation, HouseholdCondition, Round, Visit, VisitOutcome

WORKING_DAYS = range(0, 5)  # Monday to Friday: CHWWs knock on weekdays (their rota, not a rule of the app)


def outreach_workers() -> QuerySet[User]:
    """Active users whose role includes door-knocking: who a household can be allocated to."""
    roles = [code for code, role in catalogue().roles.items() if "do_outreach" in role.capabilities]
    return (
        User.objects.filter(is_active=True, memberships__role__in=roles)
        .distinct()
        .order_by("first_name", "last_name", "username")
    )


def living_residents(household: Household) -> QuerySet[Resident]:
    return household.residents.filter(date_of_death__isnull=True).order_by("date_of_birth", "pk")


def _organisation_name(user) -> str:
    membership = user.memberships.select_related("team__organisation").first()
    return membership.team.organisation.name if membership else "Octopus"


# --- rounds and allocations (the planner) ----------------------------------------------------


@transaction.atomic
def create_round(actor, *, name: str, area: str = "", starts_on: dt.date, ends_on: dt.date, path: str = "") -> Round:
    problems = {}
    if not (name or "").strip():
        problems["name"] = "Name the round, for example: Church Street, November."
    if ends_on < starts_on:
        problems["ends_on"] = "The round must end on or after the day it starts."
    if problems:
        raise ValidationError(problems)
    round_ = Round.objects.create(
        name=name.strip(),
        area=(area or "").strip(),
        starts_on=starts_on,
        ends_on=ends_on,
        planned_by=actor if getattr(actor, "pk", None) else None,
        created_at=timezone.now(),
    )
    audit.record(
        actor,
        "create",
        f"Planned outreach round {round_.name} ({starts_on:%d %b} to {ends_on:%d %b %Y})",
        obj=round_,
        path=path,
    )
    return round_


def planned_days(first_day: dt.date, last_day: dt.date, per_day: int, count: int) -> list[dt.date | None]:
    """The working day each of ``count`` visits in walking order falls on, ``per_day`` a day;
    None for visits that do not fit before the round ends (the CHWW fits them in later)."""
    days: list[dt.date | None] = []
    day = first_day
    while len(days) < count and day <= last_day:
        if day.weekday() in WORKING_DAYS:
            days.extend([day] * min(per_day, count - len(days)))
        day += dt.timedelta(days=1)
    return days + [None] * (count - len(days))


def _stop(household: Household) -> walking.Stop:
    """Where the household is: its own coordinates, or else (the feeds carry none yet) a point in
    its LSOA, so a day's doors cluster by area and go street by street within it."""
    latitude, longitude = household.latitude, household.longitude
    if latitude is None or longitude is None:
        area = areas.area(household.lsoa_code)
        latitude, longitude = (area.latitude, area.longitude) if area else (None, None)
    return walking.Stop(household, household.address_line, household.postcode, latitude, longitude)


@transaction.atomic
def allocate(
    round_: Round,
    actor,
    *,
    worker,
    households: Iterable[Household],
    visits_per_day: int | None = None,
    first_day: dt.date | None = None,
    path: str = "",
) -> list[Allocation]:
    """Give households to a CHWW for the round, in walking order, planned ``visits_per_day`` a
    working day from ``first_day`` (the round's start, or today if it has started)."""
    households = list(households)
    per_day = visits_per_day or config.settings().visits_per_day
    first_day = first_day or max(round_.starts_on, timezone.localdate())
    problems = {}
    if round_.withdrawn_at is not None:
        problems["__all__"] = f"{round_.name} was withdrawn; plan a new round."
    elif round_.ends_on < timezone.localdate():
        problems["__all__"] = f"{round_.name} ended on {round_.ends_on:%d %B %Y}; plan a new round."
    if not outreach_workers().filter(pk=worker.pk).exists():
        problems["worker"] = (
            f"{worker.display_name} is not a community health and wellbeing worker, so cannot be given households."
        )
    if not households:
        problems["households"] = "Choose at least one household."
    if not 1 <= per_day <= 50:
        problems["visits_per_day"] = "Plan between 1 and 50 visits a day."
    if not round_.starts_on <= first_day <= round_.ends_on:
        problems["first_day"] = (
            f"The first day must fall within the round ({round_.starts_on:%d %b} to {round_.ends_on:%d %b %Y})."
        )
    taken = round_.allocations.filter(withdrawn_at__isnull=True, household__in=households)
    if taken.exists():
        addresses = ", ".join(str(a.household) for a in taken.select_related("household")[:3])
        problems["households"] = (
            f"Already allocated in this round: {addresses}. Withdraw them first to move them to someone else."
        )
    if problems:
        raise ValidationError(problems)

    stops = walking.walking_order([_stop(h) for h in households])
    start = (
        round_.allocations.filter(worker=worker).order_by("-position").values_list("position", flat=True).first() or 0
    ) + 1
    now = timezone.now()
    days = planned_days(first_day, round_.ends_on, per_day, len(stops))
    allocations = Allocation.objects.bulk_create(
        [
            Allocation(
                round=round_,
                household=stop.key,
                worker=worker,
                position=start + i,
                planned_on=days[i],
                allocated_by=actor if getattr(actor, "pk", None) else None,
                allocated_at=now,
            )
            for i, stop in enumerate(stops)
        ]
    )
    audit.record(
        actor,
        "create",
        f"Allocated {len(allocations)} households in {round_.name} to {worker.display_name}",
        obj=round_,
        path=path,
    )
    return allocations


@transaction.atomic
def withdraw_round(round_: Round, actor, reason: str, path: str = "") -> Round:
    """End the round now: its CHWWs lose the outreach relationship with every household in it."""
    if not (reason or "").strip():
        raise ValidationError({"reason": "Say why the round is withdrawn, so the CHWWs know."})
    if round_.withdrawn_at is None:
        round_.withdrawn_at = timezone.now()
        round_.withdrawn_by = actor if getattr(actor, "pk", None) else None
        round_.withdrawn_reason = reason.strip()[:300]
        round_.save(update_fields=["withdrawn_at", "withdrawn_by", "withdrawn_reason"])
        audit.record(
            actor, "change", f"Withdrew outreach round {round_.name}: {reason.strip()}"[:300], obj=round_, path=path
        )
    return round_


@transaction.atomic
def withdraw_allocation(allocation: Allocation, actor, path: str = "") -> Allocation:
    """Take one household off a CHWW's round (to give it to someone else, or not to visit)."""
    if allocation.withdrawn_at is None:
        allocation.withdrawn_at = timezone.now()
        allocation.withdrawn_by = actor if getattr(actor, "pk", None) else None
        allocation.save(update_fields=["withdrawn_at", "withdrawn_by"])
        audit.record(
            actor,
            "change",
            f"Withdrew {allocation.household} from {allocation.worker.display_name}'s round {allocation.round.name}"[
                :300
            ],
            obj=allocation,
            path=path,
        )
    return allocation


# --- doorstep visits (the CHWW) --------------------------------------------------------------


def _check_worker(allocation: Allocation, actor) -> None:
    if allocation.worker_id != getattr(actor, "pk", None) or not actor.has_capability("do_outreach"):
        raise PermissionDenied("Only the CHWW the household is allocated to can record visits to it.")
    if not allocation.is_active():
        raise PermissionDenied(
            f"{allocation.round.name} is not running now, so visits can no longer be recorded for it."
        )


def not_to_visit(residents: Iterable[Resident]) -> dict[Resident, str]:
    """Residents who must not be visited, with the reason (do not contact, refused home visits)."""
    residents = list(residents)
    decisions = consent.may_contact_many(residents, ContactRoute.VISIT)
    return {r: decisions[r.pk][1] for r in residents if not decisions[r.pk][0]}


def already_recorded(allocation: Allocation, actor, client_key) -> Visit | None:
    """The visit the phone already sent with this key, if any: a retry records nothing new.
    A key used for another household or by someone else is refused, not silently matched."""
    if not client_key:
        return None
    earlier = Visit.objects.filter(client_key=client_key).first()
    if earlier is not None and (
        earlier.allocation_id != allocation.pk or earlier.recorded_by_id != getattr(actor, "pk", None)
    ):
        raise PermissionDenied("This visit key belongs to another visit; save the visit again from the household page.")
    return earlier


@transaction.atomic
def record_visit(
    allocation: Allocation,
    actor,
    *,
    outcome: str,
    note: str = "",
    spoke_with: Resident | None = None,
    acknowledged: bool = False,
    no_more_visits: bool = False,
    answers: dict | None = None,
    consent_to_share: bool | None = None,
    consent_to_introduce: bool | None = None,
    asked_about_home: bool = False,
    client_key=None,
    path: str = "",
) -> Visit:
    """What happened at the door. A conversation with a named resident goes on their timeline
    (so the care team sees who has been in touch); the note and answers stay with the visit, and
    answers about the home go on the household's conditions. With a ``client_key`` the call is
    idempotent: the second call returns the first visit."""
    _check_worker(allocation, actor)
    if (earlier := already_recorded(allocation, actor, client_key)) is not None:
        return earlier
    residents = list(living_residents(allocation.household))
    problems = {}
    if outcome not in VisitOutcome.values:
        problems["outcome"] = "Choose what happened at the door."
    if spoke_with is not None and spoke_with not in residents:
        problems["spoke_with"] = "Choose someone who lives in this household."
    refusals = not_to_visit(residents)
    if refusals and not acknowledged:
        names = ", ".join(r.name for r in refusals)
        problems["acknowledged"] = (
            f"{names} asked not to be contacted or visited. Confirm you have read this before recording the visit."
        )
    if no_more_visits and spoke_with is None:
        problems["no_more_visits"] = "Choose who asked not to be visited again."
    if len(note or "") > 500:
        problems["note"] = "Keep the note to 500 characters; put anything longer in an introduction."
    try:
        answers = conversation.clean(answers or {})
    except ValueError as error:
        problems["answers"] = str(error)
    if answers and outcome != VisitOutcome.SPOKE:
        problems["answers"] = "Record answers only when you talked with someone (outcome: engaged)."
    if problems:
        raise ValidationError(problems)

    today = timezone.localdate()
    fields = dict(
        allocation=allocation,
        outcome=outcome,
        spoke_with=spoke_with,
        note=(note or "").strip(),
        answers=answers,
        consent_to_share=consent_to_share if outcome == VisitOutcome.SPOKE else None,
        consent_to_introduce=consent_to_introduce if outcome == VisitOutcome.SPOKE else None,
        do_not_contact_acknowledged=bool(refusals),
        visited_on=today,
        recorded_by=actor,
        recorded_at=timezone.now(),
        client_key=client_key or None,
    )
    try:
        with transaction.atomic():
            visit = Visit.objects.create(**fields)
    except IntegrityError:
        # The same key arrived twice at once (two tabs flushing the queue): the other request won.
        if client_key and (earlier := Visit.objects.filter(client_key=client_key).first()) is not None:
            return earlier
        raise
    audit.record(
        actor,
        "create",
        f"Recorded an outreach visit: {visit.get_outcome_display()} at {allocation.household}"[:300],
        resident_id=spoke_with.person_id if spoke_with else "",
        obj=visit,
        basis=relationships.BASIS,
        path=path,
    )
    if outcome == VisitOutcome.SPOKE and (asked_about_home or conversation.HOUSING.code in answers):
        _record_conditions(visit, answers.get(conversation.HOUSING.code, []), actor)
    if spoke_with is not None and outcome in (VisitOutcome.SPOKE, VisitOutcome.DECLINED):
        what = "talked on the doorstep" if outcome == VisitOutcome.SPOKE else "declined to talk"
        care.record_contact(
            spoke_with,
            _organisation_name(actor),
            f"Outreach visit by a community health and wellbeing worker: {what}",
            actor,
            on=today,
            detail={"source": "outreach", "visit_id": visit.pk},
        )
    if no_more_visits:
        _refuse_visits(spoke_with, actor, path)
    return visit


def _record_conditions(visit: Visit, present: list[str], actor) -> None:
    """The CHWW asked about the home: every housing condition gets a row, present or not, so a
    condition fixed since the last visit shows as gone (with its history kept)."""
    HouseholdCondition.objects.bulk_create(
        [
            HouseholdCondition(
                household=visit.allocation.household,
                condition=code,
                present=code in present,
                visit=visit,
                recorded_by=actor,
                recorded_at=visit.recorded_at,
            )
            for code in conversation.HOUSEHOLD_CONDITIONS
        ]
    )


def _refuse_visits(resident: Resident, actor, path: str) -> None:
    """Add home visits to the routes the resident refused, keeping the rest of their preferences."""
    current = consent.current_preference(resident)
    refused = sorted({*(current.refused_routes if current else []), ContactRoute.VISIT.value})
    preferred = current.preferred_route if current and current.preferred_route != ContactRoute.VISIT else ""
    consent.record_contact_preference(
        actor=actor,
        resident=resident,
        preferred_route=preferred,
        refused_routes=refused,
        language=current.language if current else "",
        interpreter_needed=current.interpreter_needed if current else False,
        do_not_contact=current.do_not_contact if current else False,
        note=(current.note if current else "") or "Asked on the doorstep not to be visited again.",
        path=path,
    )


def introduce(allocation: Allocation, actor, resident: Resident, *, path: str = "", **referral):
    """A warm introduction from the doorstep, through the care app's referral service (which
    audits it); the CHWW must hold the allocation and the resident must live there."""
    _check_worker(allocation, actor)
    if resident not in living_residents(allocation.household):
        raise PermissionDenied("Introduce only residents of the household you are visiting.")
    return care.send_referral(resident, actor, path=path, **referral)


def request_plan(user, month: str, target_areas: list[str], *, path: str = ""):
    """Queue a monthly plan for the task worker (outreach.tasks) and audit the request. A plan
    that cannot be queued is closed as failed rather than left waiting."""
    from .models import PlanJob
    from .tasks import plan_in_background

    job = PlanJob.objects.create(requested_by=user, month=month, target_areas=list(target_areas))
    audit.record(
        user, "run", f"Asked for the outreach plan for {month} (plan job {job.pk})", basis="plan_outreach", path=path
    )
    try:
        result = plan_in_background.enqueue(job.pk)
    except Exception as error:
        job.close(PlanJob.Status.FAILED, error=f"could not be queued ({type(error).__name__})")
        raise
    # With a backend that runs tasks at once (tests) the job has finished here: write the task id
    # alone, not this stale copy of the job.
    PlanJob.objects.filter(pk=job.pk).update(task_id=str(result.id))
    job.refresh_from_db()
    return job
