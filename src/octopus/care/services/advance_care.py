"""Recording the advance care plan (ReSPECT-style recommendations) on a resident's care plan."""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from octopus.governance import audit

from ..models import AdvanceCarePlan, CarePlan

FIELDS = (
    "cpr_recommendation",
    "care_focus",
    "ceilings_of_treatment",
    "preferred_place_of_care",
    "preferred_place_of_death",
    "notes",
    "agreed_with",
    "agreed_by",
    "agreed_on",
    "review_date",
)


@transaction.atomic
def record_advance_care_plan(plan: CarePlan, actor, *, path: str = "", **values) -> AdvanceCarePlan:
    """Create or replace the plan's advance care plan; the audit entry names what changed.

    Agreement is required: a recommendation nobody agreed is not a ReSPECT recommendation.
    """
    unknown = set(values) - set(FIELDS)
    if unknown:
        raise TypeError(f"Unknown advance care plan fields: {', '.join(sorted(unknown))}")
    if not values.get("agreed_with") or not values.get("agreed_by") or not values.get("agreed_on"):
        raise ValidationError({"agreed_with": "Say who agreed these recommendations, who recorded them and when."})
    if values["agreed_on"] > timezone.localdate():
        raise ValidationError({"agreed_on": "The date agreed cannot be in the future."})
    current = AdvanceCarePlan.objects.select_for_update().filter(plan=plan).first()
    changed = [
        name for name in FIELDS if current is None or getattr(current, name) != values.get(name, getattr(current, name))
    ]
    acp, created = AdvanceCarePlan.objects.update_or_create(
        plan=plan,
        defaults={**values, "recorded_by": actor, "recorded_at": timezone.now()},
    )
    labels = ", ".join(AdvanceCarePlan._meta.get_field(name).verbose_name for name in changed) or "nothing"
    audit.record(
        actor,
        "create" if created else "change",
        f"Advance care plan {'recorded' if created else 'updated'} ({labels})",
        resident_id=plan.resident.person_id,
        obj=acp,
        path=path,
    )
    return acp
