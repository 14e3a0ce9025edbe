"""A working group, its members, actions and escalation log. No resident data: a group watches
a cohort as a disclosure-controlled count, never as a list of people."""

from django.conf import settings
from django.db import models


class Topic(models.TextChoices):
    HOMELESSNESS = "homelessness", "Homelessness"
    SUICIDE_PREVENTION = "suicide_prevention", "Suicide prevention"
    DIGITAL_EXCLUSION = "digital_exclusion", "Digital exclusion"
    EMPLOYMENT = "employment", "Employment"
    OTHER = "other", "Other"


class WorkingGroup(models.Model):
    name = models.CharField(max_length=200, unique=True)
    topic = models.CharField(max_length=30, choices=Topic.choices)
    aims = models.TextField()
    # The name of a cohort in the published snapshot (population/config/cohorts.yaml), or "".
    watched_cohort = models.CharField(max_length=100, blank=True)
    created_at = models.DateTimeField()
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Member(models.Model):
    group = models.ForeignKey(WorkingGroup, on_delete=models.CASCADE, related_name="members")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="working_groups")
    # The organisation they represent (one of theirs, when they joined).
    organisation = models.ForeignKey("directory.Organisation", on_delete=models.PROTECT, related_name="+")
    chair = models.BooleanField(default=False)
    joined_at = models.DateTimeField()

    class Meta:
        ordering = ["-chair", "user__last_name", "user__username"]
        constraints = [models.UniqueConstraint(fields=["group", "user"], name="one_membership_per_group")]


class Action(models.Model):
    """An action owned by a member; the owner's inbox holds it as a task, and it is done when
    the task is."""

    group = models.ForeignKey(WorkingGroup, on_delete=models.CASCADE, related_name="actions")
    text = models.CharField(max_length=300)
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    due = models.DateField()
    task = models.OneToOneField("care.Task", on_delete=models.PROTECT, related_name="working_group_action")
    created_at = models.DateTimeField()
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")

    class Meta:
        ordering = ["due", "pk"]


class Level(models.TextChoices):
    """Westminster Octopus's escalation route for system issues a group cannot solve itself:
    the groundwork (the group and its members), the framework (the INT's partnership board)
    and strategic (the borough's health and wellbeing board and ICB)."""

    GROUNDWORK = "groundwork", "Groundwork"
    FRAMEWORK = "framework", "Framework"
    STRATEGIC = "strategic", "Strategic"


LEVEL_ORDER = (Level.GROUNDWORK, Level.FRAMEWORK, Level.STRATEGIC)


class Escalation(models.Model):
    """One entry in the log. Escalating further adds an entry pointing at the one before, so the
    log keeps every step; a response closes an entry."""

    group = models.ForeignKey(WorkingGroup, on_delete=models.CASCADE, related_name="escalations")
    issue = models.TextField()
    level = models.CharField(max_length=12, choices=Level.choices)
    raised_at = models.DateTimeField()
    raised_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    escalated_from = models.OneToOneField(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="escalated_to"
    )
    response = models.TextField(blank=True)
    responded_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-raised_at", "-pk"]

    @property
    def is_open(self) -> bool:
        return self.responded_at is None and not hasattr(self, "escalated_to")
