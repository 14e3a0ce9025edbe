"""When a resident dies: every scheduled contact stops at once, cases close, and the lead
professional is asked to contact the family (journey 7). Nobody phones the resident again."""

import datetime as dt
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone

from octopus.core.formatting import plural
from octopus.governance import audit

from ..models import (
    CarePlan,
    CarePlanAction,
    Case,
    CaseOutcome,
    CheckIn,
    CheckInStatus,
    Referral,
    Task,
    TaskSource,
    TierAssignment,
)
from ..models.plan import ActionStatus
from ..models.referral import OPEN_STATUSES
from .referrals import _move
from .tasks import cancel_open_tasks, create_task


@dataclass(frozen=True)
class DeathOutcome:
    check_ins_stopped: int
    cases_closed: int
    referrals_closed: int
    actions_cancelled: int
    tasks_cancelled: int
    bereavement_task_for: str | None


def _bereavement_owner(resident, actor):
    plan = CarePlan.objects.filter(resident=resident).select_related("lead_professional").first()
    if plan and plan.lead_professional:
        return plan.lead_professional
    case = Case.objects.filter(resident=resident, holder__isnull=False).order_by("closed_at", "-opened_at").first()
    if case:
        return case.holder
    return actor if getattr(actor, "pk", None) else None


@transaction.atomic
def record_death(resident, date: dt.date, source: str, actor, path: str = "") -> DeathOutcome:
    """Record a death by hand (``actor`` a user) or from the deaths feed (``actor`` None).
    Safe to repeat: a second call stops anything new but does not duplicate the family task."""
    resident.date_of_death = date
    resident.save(update_fields=["date_of_death"])
    stopped = CheckIn.objects.filter(resident=resident, status=CheckInStatus.SCHEDULED).update(
        status=CheckInStatus.CANCELLED, cancelled_reason="Resident died"
    )
    cases = list(Case.objects.filter(resident=resident, closed_at__isnull=True))
    now = timezone.now()
    for case in cases:
        case.closed_at, case.outcome, case.outcome_note = now, CaseOutcome.DIED, f"Died {date:%-d %B %Y} ({source})"
        case.closed_by = actor if getattr(actor, "pk", None) else None
        case.save(update_fields=["closed_at", "outcome", "outcome_note", "closed_by"])
    referrals = list(
        Referral.objects.filter(resident=resident, status__in=OPEN_STATUSES).select_related(
            "resident", "to_team", "to_practitioner"
        )
    )
    for referral in referrals:
        _move(referral, "closed", actor, "Resident died", path)
    actions = CarePlanAction.objects.filter(
        plan__resident=resident, status__in=[ActionStatus.TO_DO, ActionStatus.IN_PROGRESS]
    ).update(status=ActionStatus.CANCELLED)
    TierAssignment.objects.filter(resident=resident, ended_at__isnull=True).update(ended_at=now)
    tasks = cancel_open_tasks(resident, "Resident died", keep_sources=[TaskSource.BEREAVEMENT])
    owner = _bereavement_owner(resident, actor)
    if owner and not Task.objects.filter(resident=resident, source=TaskSource.BEREAVEMENT).exists():
        create_task(
            owner,
            f"Bereavement: contact the family of {resident.name}",
            timezone.localdate() + dt.timedelta(days=2),
            resident=resident,
            link=f"/residents/{resident.person_id}/",
            source=TaskSource.BEREAVEMENT,
        )
    outcome = DeathOutcome(stopped, len(cases), len(referrals), actions, tasks, owner.display_name if owner else None)
    audit.record(
        actor,
        "change",
        f"Death recorded ({date:%Y-%m-%d}, {source}): {plural(stopped, 'check-in')} stopped, "
        f"{plural(len(cases), 'case')} closed",
        resident_id=resident.person_id,
        obj=resident,
        path=path,
    )
    return outcome
