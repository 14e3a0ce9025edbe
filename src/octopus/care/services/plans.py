"""Care plans with optimistic concurrency and a version history."""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from octopus.governance import audit

from ..models import CarePlan, CarePlanAction, CarePlanVersion, NeedDomain, TaskSource
from ..models.plan import ActionStatus
from .tasks import create_task

PLAN_FIELDS = {
    "what_matters": "what matters to the resident",
    "goals": "goals",
    "needs": "needs",
    "lead_professional_id": "lead professional",
    "review_date": "review date",
}


class PlanConflict(Exception):
    """Someone else saved the plan after this edit began. Nothing was overwritten."""

    def __init__(self, current: CarePlan, expected_version: int):
        self.current = current
        self.expected_version = expected_version
        latest = current.versions.first()
        who = latest.changed_by.display_name if latest and latest.changed_by else "someone else"
        super().__init__(
            f"{who} saved this care plan (version {current.version}) while you were editing version "
            f"{expected_version}. Your changes have not been saved: check theirs below, then save again."
        )


def snapshot(plan: CarePlan) -> dict:
    return {
        "what_matters": plan.what_matters,
        "goals": plan.goals,
        "needs": plan.needs,
        "lead_professional_id": plan.lead_professional_id,
        "review_date": plan.review_date.isoformat() if plan.review_date else None,
        "actions": [
            {
                "id": a.pk,
                "description": a.description,
                "owner": a.owner.username,
                "due": a.due.isoformat(),
                "status": a.status,
            }
            for a in plan.actions.select_related("owner")
        ],
    }


def _write_version(plan: CarePlan, actor, summary: str) -> None:
    CarePlanVersion.objects.create(
        plan=plan,
        version=plan.version,
        changed_by=actor,
        changed_at=plan.updated_at,
        change_summary=summary[:300],
        snapshot=snapshot(plan),
    )


@transaction.atomic
def start_plan(resident, actor, *, lead_professional=None, path: str = "") -> CarePlan:
    """The resident's plan, created empty (version 1) if they have none yet."""
    plan = CarePlan.objects.filter(resident=resident).first()
    if plan:
        return plan
    now = timezone.now()
    plan = CarePlan.objects.create(
        resident=resident,
        lead_professional=lead_professional,
        created_at=now,
        updated_at=now,
        updated_by=actor,
        version=1,
    )
    _write_version(plan, actor, "Care plan started")
    audit.record(actor, "create", "Care plan started", resident_id=resident.person_id, obj=plan, path=path)
    return plan


def _clean_goals(goals) -> list[dict]:
    cleaned = []
    for goal in goals:
        if isinstance(goal, str):
            goal = {"description": goal, "status": "active"}
        text = (goal.get("description") or "").strip()
        if text:
            cleaned.append({"description": text[:300], "status": goal.get("status", "active")})
    return cleaned


def _clean_needs(needs: dict) -> dict:
    unknown = set(needs) - set(NeedDomain.values)
    if unknown:
        raise ValidationError(f"Unknown need domain(s): {', '.join(sorted(unknown))}.")
    return {domain: text.strip() for domain, text in needs.items() if (text or "").strip()}


@transaction.atomic
def save_plan(
    plan: CarePlan,
    actor,
    *,
    expected_version: int,
    what_matters: str,
    goals,
    needs: dict,
    lead_professional,
    review_date,
    path: str = "",
) -> CarePlan:
    """Save an edit that began from ``expected_version``; raise PlanConflict if the plan moved on."""
    before = snapshot(plan)
    values = {
        "what_matters": (what_matters or "").strip(),
        "goals": _clean_goals(goals),
        "needs": _clean_needs(needs),
        "lead_professional_id": lead_professional.pk if lead_professional else None,
        "review_date": review_date,
    }
    now = timezone.now()
    # The version check and the write are one UPDATE, so two savers cannot both pass the check.
    updated = CarePlan.objects.filter(pk=plan.pk, version=expected_version).update(
        version=F("version") + 1, updated_at=now, updated_by=actor, **values
    )
    if not updated:
        raise PlanConflict(CarePlan.objects.get(pk=plan.pk), expected_version)
    plan.refresh_from_db()
    after = snapshot(plan)
    changed = [label for field, label in PLAN_FIELDS.items() if before[field] != after[field]]
    summary = ("Changed " + ", ".join(changed)) if changed else "Saved without changes"
    _write_version(plan, actor, summary)
    audit.record(
        actor,
        "change",
        f"Care plan v{plan.version}: {summary}",
        resident_id=plan.resident.person_id,
        obj=plan,
        path=path,
    )
    if (
        lead_professional
        and before["lead_professional_id"] != lead_professional.pk
        and lead_professional.pk != getattr(actor, "pk", None)
    ):
        create_task(
            lead_professional,
            f"You are now lead professional for {plan.resident.name}",
            plan.review_date,
            resident=plan.resident,
            link=f"/caseload/residents/{plan.resident.person_id}/plan/",
            source=TaskSource.CARE_PLAN,
        )
    return plan


@transaction.atomic
def add_action(
    plan: CarePlan, actor, *, description: str, owner, due, domain: str = "", path: str = ""
) -> CarePlanAction:
    if not (description or "").strip():
        raise ValidationError({"description": "Describe the action."})
    if plan.resident.is_deceased:
        raise ValidationError(f"{plan.resident.name} has died.")
    action = CarePlanAction.objects.create(
        plan=plan, description=description.strip()[:300], owner=owner, due=due, domain=domain, created_at=timezone.now()
    )
    audit.record(
        actor,
        "create",
        f"Care plan action for {owner.username}: {action.description}"[:300],
        resident_id=plan.resident.person_id,
        obj=action,
        path=path,
    )
    return action


@transaction.atomic
def set_action_status(action: CarePlanAction, actor, status: str, path: str = "") -> CarePlanAction:
    if status not in ActionStatus.values:
        raise ValidationError({"status": "Choose a status."})
    action.status = status
    action.completed_at = timezone.now() if status == ActionStatus.DONE else None
    action.save(update_fields=["status", "completed_at"])
    audit.record(
        actor,
        "change",
        f"Care plan action {action.get_status_display().lower()}: {action.description}"[:300],
        resident_id=action.plan.resident.person_id,
        obj=action,
        path=path,
    )
    return action
