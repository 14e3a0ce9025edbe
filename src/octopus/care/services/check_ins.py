"""Scheduled check-ins, one organisation at a time, and the several-organisations warning."""

import datetime as dt

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from octopus.governance import audit
from octopus.residents.models import CONTACT_KINDS, ActivityEvent

from .. import config
from ..models import CheckIn, CheckInStatus
from .cases import record_contact
from .tiers import current_tier


def default_interval(resident) -> int:
    tier = current_tier(resident)
    return config.settings().check_in_every_days[tier.tier if tier else "universal"]


@transaction.atomic
def schedule_check_ins(
    resident,
    *,
    organisation,
    first_due,
    count: int,
    actor,
    every_days: int | None = None,
    assignee=None,
    path: str = "",
) -> list[CheckIn]:
    """Schedule ``count`` check-ins. Check-ins belong to one organisation at a time: any still
    scheduled with another organisation are handed over (cancelled, saying to whom)."""
    if resident.is_deceased:
        raise ValidationError(f"{resident.name} has died; no check-ins can be scheduled.")
    if count < 1 or count > 24:
        raise ValidationError({"count": "Schedule between 1 and 24 check-ins."})
    every_days = every_days or default_interval(resident)
    handed_over = (
        CheckIn.objects.filter(resident=resident, status=CheckInStatus.SCHEDULED)
        .exclude(organisation=organisation)
        .update(status=CheckInStatus.CANCELLED, cancelled_reason=f"Handed over to {organisation.name}"[:200])
    )
    created = [
        CheckIn.objects.create(
            resident=resident,
            due_on=first_due + dt.timedelta(days=every_days * n),
            organisation=organisation,
            assignee=assignee,
            created_by=actor,
        )
        for n in range(count)
    ]
    summary = f"{count} check-ins every {every_days} days by {organisation.name}"
    if handed_over:
        summary += f" ({handed_over} handed over from another organisation)"
    audit.record(actor, "create", summary, resident_id=resident.person_id, obj=created[0], path=path)
    return created


def organisations_contacting(resident, on: dt.date | None = None) -> list[str]:
    """The organisations that contacted the resident in the week (Monday–Sunday) containing
    ``on``, when there are at least the configured number of them; otherwise an empty list."""
    on = on or timezone.localdate()
    monday = on - dt.timedelta(days=on.weekday())
    names = sorted(
        set(
            ActivityEvent.objects.filter(
                resident=resident,
                kind__in=[k.value for k in CONTACT_KINDS],
                occurred_on__gte=monday,
                occurred_on__lte=monday + dt.timedelta(days=6),
            ).values_list("source_organisation", flat=True)
        )
    )
    return names if len(names) >= config.settings().several_organisations_per_week else []


@transaction.atomic
def complete_check_in(check_in: CheckIn, actor, *, status: str, note: str = "", path: str = "") -> list[str]:
    """Record the outcome. Returns the several-organisations warning for this week, if any."""
    check_in = CheckIn.objects.select_for_update().select_related("resident", "organisation").get(pk=check_in.pk)
    if status not in (CheckInStatus.DONE, CheckInStatus.NO_ANSWER):
        raise ValidationError({"status": "Choose whether the check-in happened."})
    if check_in.status != CheckInStatus.SCHEDULED:
        raise ValidationError(f"This check-in is already {check_in.get_status_display().lower()}.")
    check_in.status = status
    check_in.note = note
    check_in.completed_at = timezone.now()
    check_in.completed_by = actor
    check_in.save()
    if status == CheckInStatus.DONE:
        record_contact(check_in.resident, check_in.organisation.name, "Check-in", actor)
    audit.record(
        actor,
        "change",
        f"Check-in {check_in.get_status_display().lower()}",
        resident_id=check_in.resident.person_id,
        obj=check_in,
        path=path,
    )
    return organisations_contacting(check_in.resident)
