"""`octopus manage task_worker`, the worker `octopus serve` runs: it runs queued linkage, closes
runs a dead worker left open, and beats its heartbeat (decision 0034)."""

import pytest
from django.core.management import call_command
from django.urls import reverse

from octopus.core import heartbeat
from octopus.intake.models import LinkageJob

DATABASE_BACKEND = {"default": {"BACKEND": "django_tasks_db.backend.DatabaseBackend"}}


# The worker closes its database connection between tasks, which would end a test's transaction.
@pytest.mark.django_db(transaction=True)
def test_task_worker_runs_queued_linkage_and_beats(client, make_user, intake_dir, settings):
    settings.TASKS = DATABASE_BACKEND
    manager = make_user("int_manager")
    client.force_login(manager)
    left_running = LinkageJob.objects.create(requested_by=manager, status=LinkageJob.Status.RUNNING, active=True)
    call_command("task_worker", "--sole-worker", "--batch", "--no-startup-delay", "--no-reload")
    left_running.refresh_from_db()
    assert (left_running.status, left_running.active) == ("failed", False)  # the previous worker died with it

    client.post(reverse("intake:link-now"))
    job = LinkageJob.objects.exclude(pk=left_running.pk).get()
    assert job.status == "queued"
    call_command("task_worker", "--batch", "--no-startup-delay", "--no-reload")
    job.refresh_from_db()
    assert (job.status, job.run_id) == ("finished", 2)
    assert heartbeat.age_seconds() is not None and heartbeat.age_seconds() < heartbeat.STALE_AFTER_SECONDS
