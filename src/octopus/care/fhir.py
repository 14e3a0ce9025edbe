"""The care plan as a FHIR R4 CarePlan (with its goals as contained Goal resources).

fhir.resources 8 ships R4B, the technical correction of R4 whose CarePlan and Goal are the same
as R4's; building through its models validates the output. The NHS number is the subject's
identifier so a receiving system (for example a London care plan service) can match the resident.
"""

from fhir.resources.R4B.careplan import CarePlan as FhirCarePlan

from .models import CarePlan, NeedDomain
from .models.plan import ActionStatus

NHS_NUMBER_SYSTEM = "https://fhir.nhs.uk/Id/nhs-number"
ACTIVITY_STATUS = {
    ActionStatus.TO_DO: "not-started",
    ActionStatus.IN_PROGRESS: "in-progress",
    ActionStatus.DONE: "completed",
    ActionStatus.CANCELLED: "cancelled",
}
GOAL_STATUS = {"active": "active", "achieved": "completed", "stopped": "cancelled"}


def _subject(resident) -> dict:
    reference = {"display": resident.name}
    if resident.nhs_number:
        reference["identifier"] = {"system": NHS_NUMBER_SYSTEM, "value": resident.nhs_number}
    return reference


def care_plan_resource(plan: CarePlan) -> FhirCarePlan:
    resident = plan.resident
    subject = _subject(resident)
    goals = [
        {
            "resourceType": "Goal",
            "id": f"goal-{n}",
            "lifecycleStatus": GOAL_STATUS.get(goal.get("status", "active"), "active"),
            "description": {"text": goal["description"]},
            "subject": subject,
        }
        for n, goal in enumerate(plan.goals, start=1)
    ]
    activities = [
        {
            "detail": {
                "status": ACTIVITY_STATUS[action.status],
                "description": action.description,
                "scheduledString": f"Due by {action.due.isoformat()}",
                "performer": [{"display": action.owner.display_name}],
            }
        }
        for action in plan.actions.select_related("owner")
    ]
    needs = plan.needs_by_domain()
    resource = {
        "resourceType": "CarePlan",
        "id": f"octopus-careplan-{plan.pk}",
        "meta": {"versionId": str(plan.version), "lastUpdated": plan.updated_at.isoformat()},
        "status": "revoked" if resident.is_deceased else "active",
        "intent": "plan",
        "title": f"Holistic care plan for {resident.name}",
        "description": plan.what_matters or "What matters to the resident has not been recorded yet.",
        "subject": subject,
        "created": plan.created_at.isoformat(),
        "category": [{"text": f"{label}: {text}"} for _, label, text in needs] or [{"text": "Holistic care plan"}],
        "note": [{"text": f"What matters to me: {plan.what_matters}"}] if plan.what_matters else None,
        "contained": goals or None,
        "goal": [{"reference": f"#{goal['id']}"} for goal in goals] or None,
        "activity": activities or None,
    }
    if plan.review_date:
        resource["period"] = {"end": plan.review_date.isoformat()}
    if plan.lead_professional:
        resource["author"] = {"display": plan.lead_professional.display_name}
    return FhirCarePlan.model_validate({k: v for k, v in resource.items() if v is not None})


def care_plan_json(plan: CarePlan) -> str:
    return care_plan_resource(plan).model_dump_json(indent=2, exclude_none=True)


NEED_LABELS = dict(NeedDomain.choices)
