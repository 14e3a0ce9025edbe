"""The task inbox: the one place other apps (meetings, outreach) hand work to a person."""

from django.db import transaction
from django.utils import timezone

from octopus.governance import audit

from ..models import Task, TaskSource


@transaction.atomic
def create_task(owner_user, title: str, due, resident=None, link: str = "", source: str = TaskSource.OTHER) -> Task:
    if source not in TaskSource.values:
        raise ValueError(f"Unknown task source {source!r}; use one of {', '.join(TaskSource.values)}.")
    task = Task.objects.create(
        owner=owner_user,
        title=title[:300],
        due=due,
        resident=resident,
        link=link or "",
        source=source,
        created_at=timezone.now(),
    )
    audit.record(
        None,
        "create",
        f"Task for {owner_user.username}: {title}"[:300],
        resident_id=resident.person_id if resident else "",
        obj=task,
    )
    return task


@transaction.atomic
def complete_task(task: Task, actor, path: str = "") -> Task:
    if task.owner_id != actor.pk:
        raise PermissionError("Only the owner can mark a task as done.")
    if task.is_open:
        task.done_at = timezone.now()
        task.save(update_fields=["done_at"])
        audit.record(
            actor,
            "change",
            f"Task done: {task.title}"[:300],
            resident_id=task.resident.person_id if task.resident else "",
            obj=task,
            path=path,
        )
    return task


def cancel_open_tasks(resident, reason: str, keep_sources=()) -> int:
    """Within a caller's transaction: stop work about a resident (for example when they die)."""
    return (
        Task.objects.filter(resident=resident, done_at__isnull=True, cancelled_at__isnull=True)
        .exclude(source__in=keep_sources)
        .update(cancelled_at=timezone.now())
    )
