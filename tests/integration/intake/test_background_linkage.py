"""The "Link now" button queues a background run: one at a time, its status on the page, audited."""

import subprocess
import sys
import time
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from octopus.governance.models import AuditEvent
from octopus.intake import tasks
from octopus.intake.models import LinkageJob
from octopus.intake.services import give_up_on_interrupted_runs

pytestmark = pytest.mark.django_db

DATABASE_BACKEND = {"default": {"BACKEND": "django_tasks_db.backend.DatabaseBackend"}}


@pytest.fixture
def manager(client, make_user):
    user = make_user("int_manager")
    client.force_login(user)
    return user


def test_link_now_runs_the_linkage_task_and_shows_its_outcome(client, manager, intake_dir):
    page = client.post(reverse("intake:link-now"), follow=True).content.decode()
    job = LinkageJob.objects.get()
    assert (job.status, job.active, job.run_id, job.requested_by) == ("finished", False, 2, manager)
    assert job.persons and job.source_persons >= job.persons and job.task_id
    assert "Finished" in page and f"Link run 2: {job.source_persons:,} source persons" in page
    assert (intake_dir / "linked" / "manifest.json").exists()
    # The progress the task wrote as it went stays on the job: its last stage and the pair counts.
    assert job.stage == "writing the linked extract"
    assert job.pairs_blocked == job.pairs_compared and job.pairs_compared > 0 and job.pairs_clustered > 0
    summaries = list(AuditEvent.objects.filter(action="run").order_by("id").values_list("username", "summary"))
    assert summaries == [
        (manager.username, f"Asked for a linkage run (linkage job {job.pk})"),
        (manager.username, f"Linked persons (run 2) and wrote the linked extract (linkage job {job.pk})"),
    ]


def test_link_now_while_a_run_is_queued_starts_no_second_run(client, manager, intake_dir):
    waiting = LinkageJob.objects.create(requested_by=manager)
    page = client.post(reverse("intake:link-now"), follow=True).content.decode()
    assert list(LinkageJob.objects.all()) == [waiting]
    assert "A linkage run is already queued" in page
    assert 'action="/intake/linkage/run/"' not in page  # no button while one is active


# The worker closes its database connection between tasks, which would end the transaction a
# test normally runs in.
@pytest.mark.django_db(transaction=True)
def test_with_a_task_worker_the_request_returns_queued_and_the_worker_links(client, manager, intake_dir, settings):
    settings.TASKS = DATABASE_BACKEND
    page = client.post(reverse("intake:link-now"), follow=True).content.decode()
    job = LinkageJob.objects.get()
    assert job.status == "queued" and job.active
    assert "Linkage is queued" in page and 'hx-get="/intake/linkage/status/"' in page
    call_command("db_worker", "--batch", "--no-startup-delay", "--no-reload")
    job.refresh_from_db()
    assert (job.status, job.run_id) == ("finished", 2)
    polled = client.get(reverse("intake:linkage-status"), HTTP_HX_REQUEST="true")
    assert polled["HX-Refresh"] == "true" and "Finished" in polled.content.decode()
    assert "hx-get" not in polled.content.decode()


def test_a_failed_run_says_why_without_identifiers_and_frees_the_next(client, manager, intake_dir, monkeypatch):
    def broken(store, **_):
        raise ValueError("no person for 943 476 5919 at W2 1NY")

    monkeypatch.setattr(tasks, "link_persons", broken)
    client.post(reverse("intake:link-now"))
    job = LinkageJob.objects.get()
    assert (job.status, job.active) == ("failed", False)
    assert job.error == "ValueError: no person for [NHS number removed] at [postcode removed]"
    page = client.get(reverse("intake:linkage")).content.decode()
    assert "Failed" in page and job.error in page and 'action="/intake/linkage/run/"' in page
    assert AuditEvent.objects.filter(summary=f"Linkage job {job.pk} failed (ValueError)").exists()
    monkeypatch.undo()
    client.post(reverse("intake:link-now"))
    assert LinkageJob.objects.first().status == "finished"


def test_a_run_whose_worker_was_lost_no_longer_blocks(client, manager, intake_dir):
    lost = LinkageJob.objects.create(requested_by=manager, status="running")
    LinkageJob.objects.filter(pk=lost.pk).update(requested_at=timezone.now() - timedelta(hours=7))
    client.post(reverse("intake:link-now"))
    lost.refresh_from_db()
    assert (lost.status, lost.active) == ("failed", False) and "worker stopped" in lost.error
    assert LinkageJob.objects.first().status == "finished"


def test_a_run_interrupted_by_stopping_the_server_is_closed_when_it_starts_again(manager):
    interrupted = LinkageJob.objects.create(requested_by=manager, status="running")
    assert give_up_on_interrupted_runs() == 1
    interrupted.refresh_from_db()
    assert (interrupted.status, interrupted.active, interrupted.error) == (
        "failed",
        False,
        "the server stopped during the run",
    )


def test_pages_say_the_store_is_busy_while_another_process_has_it(client, manager, intake_dir):
    job = LinkageJob.objects.create(requested_by=manager, status="running")
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import duckdb, sys, time; held = duckdb.connect(sys.argv[1]); print('open', flush=True); time.sleep(60)",
            str(intake_dir / "feeds" / "store.duckdb"),
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout.readline().strip() == "open"
        for name in ("intake:index", "intake:quarantine", "intake:review"):
            response = client.get(reverse(name))
            assert response.status_code == 503 and response["Retry-After"]
            assert "A linkage run is running" in response.content.decode()
        linkage = client.get(reverse("intake:linkage"))
        assert (
            linkage.status_code == 200 and "The figures below appear when the linkage run" in linkage.content.decode()
        )
    finally:
        holder.kill()
        holder.wait()
    time.sleep(0.1)
    job.close(LinkageJob.Status.FINISHED)
    assert client.get(reverse("intake:index")).status_code == 200


def test_a_running_job_shows_its_stage_pairs_rate_and_time_left(client, manager):
    started = timezone.now() - timedelta(seconds=10)
    LinkageJob.objects.create(
        requested_by=manager,
        status="running",
        started_at=started,
        stage="comparing",
        stage_started_at=started,
        stage_done=500,
        stage_total=1000,
        stage_unit="pairs",
        pairs_blocked=1000,
        pairs_compared=500,
        pairs_clustered=0,
        source_persons=4321,
    )
    panel = client.get(reverse("intake:linkage-status"), HTTP_HX_REQUEST="true").content.decode()
    assert 'hx-get="/intake/linkage/status/"' in panel and "HX-Refresh" not in panel
    # The exact rate and time left depend on the clock; tests/unit/test_intake_linkage_progress.py pins them.
    assert "Comparing" in panel and "500 of 1,000 pairs, " in panel and " pairs a second; about " in panel
    assert " left in this stage" in panel
    assert "Pairs blocked 1,000, compared 500, clustered 0; 4,321 source persons" in panel
