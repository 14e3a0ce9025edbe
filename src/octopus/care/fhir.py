"""The care plan as a FHIR R4 CarePlan (with its goals as contained Goal resources).

fhir.resources 8 ships R4B, the technical correction of R4 whose CarePlan and Goal are the same
as R4's; building through its models validates the output. The NHS number is the subject's
identifier so a receiving system (for example a London care plan service) can match the resident.

The advance care plan (ReSPECT-style recommendations) travels as contained Observations named by
``supportingInfo``, each with who agreed it and when; only for an exporter whose scope includes
clinical detail. The Observations carry text, not codes: no code system is claimed that the
record does not hold.
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


def _advance_care_observations(acp, subject: dict) -> list[dict]:
    """One Observation per ReSPECT recommendation that has been made, agreed by and on."""
    recommendations = [
        ("cpr", "CPR recommendation (ReSPECT section 4)", acp.get_cpr_recommendation_display()),
        ("focus", "Focus of care (ReSPECT section 3)", acp.get_care_focus_display()),
        ("ceilings", "Ceilings of treatment (ReSPECT section 4)", acp.ceilings_of_treatment),
        ("place-of-care", "Preferred place of care", acp.get_preferred_place_of_care_display()),
        ("place-of-death", "Preferred place of death", acp.get_preferred_place_of_death_display()),
    ]
    return [
        {
            "resourceType": "Observation",
            "id": f"acp-{key}",
            "status": "final",
            "category": [{"text": "Advance care plan"}],
            "code": {"text": label},
            "subject": subject,
            "effectiveDateTime": acp.agreed_on.isoformat(),
            "performer": [{"display": acp.agreed_by.display_name}],
            "valueString": value,
            "note": [{"text": f"Agreed with {acp.agreed_with}"}],
        }
        for key, label, value in recommendations
        if value
    ]


def care_plan_resource(plan: CarePlan, *, clinical: bool = False) -> FhirCarePlan:
    """The plan as a CarePlan; ``clinical`` (the exporter may see clinical detail) adds the
    advance care plan."""
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
    acp = getattr(plan, "advance_care", None) if clinical else None
    advance_care = _advance_care_observations(acp, subject) if acp else []
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
        "contained": [*goals, *advance_care] or None,
        "supportingInfo": [{"reference": f"#{o['id']}", "display": o["code"]["text"]} for o in advance_care] or None,
        "goal": [{"reference": f"#{goal['id']}"} for goal in goals] or None,
        "activity": activities or None,
    }
    if plan.review_date:
        resource["period"] = {"end": plan.review_date.isoformat()}
    if plan.lead_professional:
        resource["author"] = {"display": plan.lead_professional.display_name}
    return FhirCarePlan.model_validate({k: v for k, v in resource.items() if v is not None})


def care_plan_json(plan: CarePlan, *, clinical: bool = False) -> str:
    return care_plan_resource(plan, clinical=clinical).model_dump_json(indent=2, exclude_none=True)


NEED_LABELS = dict(NeedDomain.choices)
