"""Opening and closing cases, and recording a contact with the resident."""

import datetime as dt

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from octopus.governance import audit
from octopus.residents.models import ActivityEvent, ActivityKind

from .. import config
from ..models import Case, CaseOutcome, CaseSource


@transaction.atomic
def open_case(resident, team, actor, *, source: str, holder=None, next_review_due=None, path: str = "") -> Case:
    """Put the resident on the team's caseload. If already there, the open case is returned
    (a holder given here replaces an empty one)."""
    if source not in CaseSource.values:
        raise ValidationError(f"Unknown case source {source!r}.")
    if resident.is_deceased:
        raise ValidationError(f"{resident.name} has died; they cannot be added to a caseload.")
    existing = Case.objects.select_for_update().filter(resident=resident, team=team, closed_at__isnull=True).first()
    if existing:
        if holder and existing.holder_id is None:
            existing.holder = holder
            existing.save(update_fields=["holder"])
            audit.record(
                actor,
                "change",
                f"Case held by {holder.username}",
                resident_id=resident.person_id,
                obj=existing,
                path=path,
            )
        return existing
    case = Case.objects.create(
        resident=resident,
        team=team,
        holder=holder,
        source=source,
        opened_at=timezone.now(),
        opened_by=actor if getattr(actor, "pk", None) else None,
        next_review_due=next_review_due
        or timezone.localdate() + dt.timedelta(days=config.settings().first_review_days),
    )
    audit.record(
        actor,
        "create",
        f"Added to {team.name} caseload ({case.get_source_display()})",
        resident_id=resident.person_id,
        obj=case,
        path=path,
    )
    return case


@transaction.atomic
def close_case(case: Case, actor, outcome: str, note: str = "", path: str = "") -> Case:
    if outcome not in CaseOutcome.values:
        raise ValidationError("Choose the outcome of the case before closing it.")
    case = Case.objects.select_for_update().get(pk=case.pk)
    if not case.is_open:
        return case
    case.closed_at = timezone.now()
    case.closed_by = actor if getattr(actor, "pk", None) else None
    case.outcome = outcome
    case.outcome_note = note
    case.save(update_fields=["closed_at", "closed_by", "outcome", "outcome_note"])
    audit.record(
        actor,
        "change",
        f"Case closed on {case.team.name}: {case.get_outcome_display()}",
        resident_id=case.resident.person_id,
        obj=case,
        path=path,
    )
    return case


def record_contact(resident, organisation_name: str, summary: str, actor, *, on=None, detail=None) -> ActivityEvent:
    """An Octopus contact with the resident: goes on the timeline and refreshes 'last contact'.
    Called inside the caller's transaction; the caller audits the change it is part of."""
    on = on or timezone.localdate()
    event = ActivityEvent.objects.create(
        resident=resident,
        occurred_on=on,
        occurred_at=timezone.now(),
        kind=ActivityKind.OCTOPUS,
        source_organisation=organisation_name,
        summary=summary[:300],
        detail=dict(detail or {}, recorded_by=getattr(actor, "username", "system")),
    )
    Case.objects.filter(resident=resident, closed_at__isnull=True).update(last_contact_on=on)
    return event
