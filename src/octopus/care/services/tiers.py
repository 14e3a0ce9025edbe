"""Tiers of care: moving between them with a recorded reason; monitoring after a step down."""

import datetime as dt

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from octopus.governance import audit

from .. import config
from ..models import CareTier, CaseSource, TaskSource, TierAssignment
from ..models.tier import TIER_ORDER
from .cases import open_case
from .plans import start_plan
from .tasks import create_task


def current_tier(resident) -> TierAssignment | None:
    return TierAssignment.objects.filter(resident=resident, ended_at__isnull=True).first()


@transaction.atomic
def set_tier(resident, tier: str, reason: str, actor, path: str = "") -> TierAssignment:
    if tier not in CareTier.values:
        raise ValidationError({"tier": "Choose a tier."})
    if not (reason or "").strip():
        raise ValidationError({"reason": "Record why the resident is moving tier."})
    if resident.is_deceased:
        raise ValidationError(f"{resident.name} has died.")
    now = timezone.now()
    previous = TierAssignment.objects.select_for_update().filter(resident=resident, ended_at__isnull=True).first()
    if previous and previous.tier == tier:
        raise ValidationError({"tier": f"{resident.name} is already in the {previous.get_tier_display()} tier."})
    monitor_until = None
    if previous and TIER_ORDER[CareTier(tier)] < TIER_ORDER[CareTier(previous.tier)]:
        monitor_until = timezone.localdate() + dt.timedelta(days=config.settings().monitor_after_step_down_days)
    if previous:
        previous.ended_at = now
        previous.save(update_fields=["ended_at"])
    assignment = TierAssignment.objects.create(
        resident=resident,
        tier=tier,
        reason=reason.strip(),
        set_by=actor if getattr(actor, "pk", None) else None,
        started_at=now,
        monitor_until=monitor_until,
    )
    moved = f"from {previous.get_tier_display()} " if previous else ""
    audit.record(
        actor,
        "change",
        f"Tier {moved}to {assignment.get_tier_display()}: {reason}"[:300],
        resident_id=resident.person_id,
        obj=assignment,
        path=path,
    )
    return assignment


@transaction.atomic
def add_to_proactive_tier(residents, *, team, lead_professional, reason: str, actor, path: str = "") -> int:
    """Journey 2: the care coordinator turns rising-risk residents into proactive-tier work,
    each with a lead professional. Residents already in a higher tier are left there."""
    added = 0
    for resident in residents:
        tier = current_tier(resident)
        if resident.is_deceased:
            continue
        if tier is None or TIER_ORDER[CareTier(tier.tier)] < TIER_ORDER[CareTier.PROACTIVE]:
            set_tier(resident, CareTier.PROACTIVE, reason, actor, path=path)
        open_case(resident, team, actor, source=CaseSource.RISING_RISK, holder=lead_professional, path=path)
        plan = start_plan(resident, actor, lead_professional=lead_professional, path=path)
        if plan.lead_professional_id is None:
            plan.lead_professional = lead_professional
            plan.save(update_fields=["lead_professional"])
        create_task(
            lead_professional,
            f"Proactive tier: contact {resident.name} and start their care plan",
            timezone.localdate() + dt.timedelta(days=7),
            resident=resident,
            link=f"/residents/{resident.person_id}/",
            source=TaskSource.TIER,
        )
        added += 1
    return added
