"""The ward's periodic check, run on the task worker (decision 0034): missed observations, then
escalation of alerts nobody acknowledged in time."""

from django_tasks import task

from . import services

CHECK_EVERY_SECONDS = 60  # a missed observation's grace and response times are in minutes


@task()
def check_ward() -> dict:
    missed = services.check_missed()
    escalated = services.escalate()
    return {"missed": len(missed), "escalated": len(escalated)}


def enqueue_check_unless_waiting() -> None:
    """Queue one check, unless one is already waiting (a stopped worker must not pile them up)."""
    from django.conf import settings

    if settings.TASKS["default"]["BACKEND"].endswith("django_tasks_db.backend.DatabaseBackend"):
        from django_tasks_db.models import DBTaskResult

        if DBTaskResult.objects.ready().filter(task_path=check_ward.module_path).exists():
            return
    check_ward.enqueue()
