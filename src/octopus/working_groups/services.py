"""Everything that writes working groups, each in one transaction with an audit entry."""

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from octopus.care.services import create_task
from octopus.governance import audit

from . import indicators
from .models import LEVEL_ORDER, Action, Escalation, Level, Member, Topic, WorkingGroup


def is_member(group: WorkingGroup, user) -> bool:
    return group.members.filter(user=user).exists()


def _require_member(group: WorkingGroup, user) -> None:
    if not is_member(group, user):
        raise PermissionDenied(f"Only members of {group.name} can do that.")


def _organisation_of(user, organisation=None):
    from octopus.directory.models import Organisation

    theirs = Organisation.objects.filter(pk__in=user.organisation_ids)
    if organisation is not None:
        if not theirs.filter(pk=organisation.pk).exists():
            raise ValidationError({"organisation": f"{user.display_name} is not in {organisation.name}."})
        return organisation
    found = theirs.order_by("name").first()
    if found is None:
        raise ValidationError(
            {"user": f"{user.display_name} belongs to no organisation in the directory; add them to a team first."}
        )
    return found


@transaction.atomic
def create_group(actor, *, name: str, topic: str, aims: str, watched_cohort: str = "", path: str = "") -> WorkingGroup:
    if not actor.has_capability("run_meetings"):
        raise PermissionDenied("Setting up a working group needs the run_meetings capability.")
    name, aims = name.strip(), aims.strip()
    problems = {}
    if not name:
        problems["name"] = "Give the group a name."
    elif WorkingGroup.objects.filter(name__iexact=name).exists():
        problems["name"] = f"There is already a working group called {name}."
    if topic not in Topic.values:
        problems["topic"] = "Choose what the group works on."
    if not aims:
        problems["aims"] = "Write the group's aims."
    if watched_cohort and watched_cohort not in indicators.cohort_names():
        problems["watched_cohort"] = f"The published snapshot has no cohort {watched_cohort!r}."
    if problems:
        raise ValidationError(problems)
    group = WorkingGroup.objects.create(
        name=name, topic=topic, aims=aims, watched_cohort=watched_cohort, created_at=timezone.now(), created_by=actor
    )
    Member.objects.create(
        group=group, user=actor, organisation=_organisation_of(actor), chair=True, joined_at=timezone.now()
    )
    audit.record(actor, "create", f"Working group set up: {name}", obj=group, path=path)
    return group


@transaction.atomic
def add_member(group: WorkingGroup, actor, user, *, organisation=None, path: str = "") -> Member:
    _require_member(group, actor)
    if is_member(group, user):
        raise ValidationError({"user": f"{user.display_name} is already a member."})
    member = Member.objects.create(
        group=group, user=user, organisation=_organisation_of(user, organisation), joined_at=timezone.now()
    )
    audit.record(actor, "change", f"{user.display_name} joined {group.name}", obj=group, path=path)
    return member


@transaction.atomic
def add_action(group: WorkingGroup, actor, *, text: str, owner, due, path: str = "") -> Action:
    """An action for a member, put in their task inbox."""
    _require_member(group, actor)
    text = text.strip()
    problems = {}
    if not text:
        problems["text"] = "Say what the action is."
    if owner is None or not is_member(group, owner):
        problems["owner"] = "Choose a member of the group to own the action."
    if due is None:
        problems["due"] = "Give the action a due date."
    if problems:
        raise ValidationError(problems)
    task = create_task(owner, f"{group.name}: {text}", due, link=reverse("working_groups:group", args=[group.pk]))
    action = Action.objects.create(
        group=group, text=text[:300], owner=owner, due=due, task=task, created_at=timezone.now(), created_by=actor
    )
    audit.record(actor, "create", f"Working group action for {owner.display_name}: {text}"[:300], obj=action, path=path)
    return action


@transaction.atomic
def escalate(
    group: WorkingGroup,
    actor,
    *,
    issue: str = "",
    level: str = Level.GROUNDWORK,
    escalated_from: Escalation | None = None,
    path: str = "",
) -> Escalation:
    """Log a system issue at the groundwork, or take an open one to the next level."""
    _require_member(group, actor)
    if escalated_from is not None:
        if escalated_from.group_id != group.pk or not escalated_from.is_open:
            raise ValidationError({"escalation": "Only an open issue of this group can be escalated."})
        position = LEVEL_ORDER.index(escalated_from.level)
        if position == len(LEVEL_ORDER) - 1:
            raise ValidationError({"escalation": "This issue is already at the strategic level."})
        level, issue = LEVEL_ORDER[position + 1], escalated_from.issue
    issue = issue.strip()
    if not issue:
        raise ValidationError({"issue": "Describe the system issue the group cannot solve itself."})
    if level not in Level.values:
        raise ValidationError({"level": f"Unknown level {level!r}."})
    entry = Escalation.objects.create(
        group=group, issue=issue, level=level, raised_at=timezone.now(), raised_by=actor, escalated_from=escalated_from
    )
    audit.record(
        actor, "create", f"{group.name}: issue logged at {Level(level).label.lower()} level", obj=entry, path=path
    )
    return entry


@transaction.atomic
def respond(entry: Escalation, actor, response: str, path: str = "") -> Escalation:
    _require_member(entry.group, actor)
    response = response.strip()
    if not response:
        raise ValidationError({"response": "Write the response or decision."})
    if not entry.is_open:
        raise ValidationError({"escalation": "This issue has already been answered or escalated."})
    entry.response, entry.responded_at = response, timezone.now()
    entry.save(update_fields=["response", "responded_at"])
    audit.record(
        actor,
        "change",
        f"{entry.group.name}: response at {entry.get_level_display().lower()} level",
        obj=entry,
        path=path,
    )
    return entry
