"""The holistic care plan: what matters to the resident, goals, needs across domains, actions
with named owners, a lead professional and a review date.

``version`` guards against two people editing at once (optimistic concurrency: a save names the
version it started from and fails if someone else saved first); every save also writes a
``CarePlanVersion`` snapshot, the history of who changed what.
"""

from django.conf import settings
from django.db import models


class NeedDomain(models.TextChoices):
    PHYSICAL_HEALTH = "physical_health", "Physical health"
    MENTAL_HEALTH = "mental_health", "Mental health"
    HOUSING = "housing", "Housing"
    MONEY = "money", "Money and benefits"
    EMPLOYMENT = "employment", "Employment"
    ISOLATION = "isolation", "Isolation and loneliness"
    CARERS = "carers", "Carers and family"
    DIGITAL = "digital", "Digital inclusion"
    SAFEGUARDING = "safeguarding", "Safeguarding"


class CarePlan(models.Model):
    resident = models.OneToOneField("residents.Resident", on_delete=models.PROTECT, related_name="care_plan")
    what_matters = models.TextField("What matters to me", blank=True)
    # [{"description": str, "status": "active" | "achieved" | "stopped"}]
    goals = models.JSONField(default=list, blank=True)
    # {domain: description of the need}, only the domains where there is a need.
    needs = models.JSONField(default=dict, blank=True)
    lead_professional = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="led_care_plans"
    )
    review_date = models.DateField(null=True, blank=True)
    version = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField()
    updated_at = models.DateTimeField()
    updated_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")

    def needs_by_domain(self) -> list[tuple[str, str, str]]:
        return [(d.value, d.label, self.needs[d.value]) for d in NeedDomain if self.needs.get(d.value)]

    def __str__(self) -> str:
        return f"Care plan for {self.resident}"


class CarePlanVersion(models.Model):
    plan = models.ForeignKey(CarePlan, on_delete=models.CASCADE, related_name="versions")
    version = models.PositiveIntegerField()
    changed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    changed_at = models.DateTimeField()
    change_summary = models.CharField(max_length=300)
    snapshot = models.JSONField()

    class Meta:
        ordering = ["-version"]
        constraints = [models.UniqueConstraint(fields=["plan", "version"], name="unique_plan_version")]


class ActionStatus(models.TextChoices):
    TO_DO = "to_do", "To do"
    IN_PROGRESS = "in_progress", "In progress"
    DONE = "done", "Done"
    CANCELLED = "cancelled", "Cancelled"


class CarePlanAction(models.Model):
    plan = models.ForeignKey(CarePlan, on_delete=models.CASCADE, related_name="actions")
    description = models.CharField(max_length=300)
    domain = models.CharField(max_length=20, choices=NeedDomain.choices, blank=True)
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="care_actions")
    due = models.DateField()
    status = models.CharField(max_length=12, choices=ActionStatus.choices, default=ActionStatus.TO_DO)
    created_at = models.DateTimeField()
    completed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["due", "id"]

    @property
    def is_open(self) -> bool:
        return self.status in (ActionStatus.TO_DO, ActionStatus.IN_PROGRESS)
