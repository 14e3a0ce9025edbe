"""Liveness, readiness, the page shown while the database is away, and the task-worker banner
(issue #16, decision 0034)."""

import os
import time
from datetime import timedelta
from unittest import mock

import pytest
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.utils import OperationalError
from django.test import Client
from django.utils import timezone

from octopus.core import heartbeat

pytestmark = pytest.mark.django_db


@pytest.fixture
def data_dir(settings, tmp_path):
    settings.DATA_DIR = tmp_path
    return tmp_path


@pytest.fixture
def database_down():
    """Every new connection or query fails as if the server had gone: ensure_connection raises."""

    def unavailable(self):
        raise OperationalError('connection to server at "127.0.0.1", port 5432 failed: Connection refused')

    with mock.patch.object(BaseDatabaseWrapper, "ensure_connection", unavailable):
        yield


def test_healthz_answers_without_the_database(client, database_down):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


def test_readyz_not_ready_without_a_published_snapshot(client):
    response = client.get("/readyz")
    assert response.status_code == 503
    assert response.json()["checks"] == {"database": True, "migrations": True, "snapshot": False}
    assert response["Retry-After"]


def test_readyz_ready_once_a_snapshot_is_published(client):
    from octopus.insights.models import PublishedSnapshot

    PublishedSnapshot.objects.create(run_id="r1", as_of="2026-11-01", residents=0)
    response = client.get("/readyz")
    assert response.status_code == 200
    assert response.json() == {"status": "ready", "checks": {"database": True, "migrations": True, "snapshot": True}}


def test_readyz_not_ready_when_the_database_is_away(client, database_down):
    response = client.get("/readyz")
    assert response.status_code == 503
    assert response.json()["checks"]["database"] is False


def test_database_away_gives_the_unavailable_page_then_recovers(make_user):
    user = make_user("clinician")
    client = Client(raise_request_exception=False)
    client.force_login(user)
    with mock.patch.object(
        BaseDatabaseWrapper,
        "ensure_connection",
        side_effect=OperationalError("server closed the connection unexpectedly"),
    ):
        down = client.get("/directory/")
    assert down.status_code == 503
    assert down["Retry-After"] == "30"
    page = down.content.decode()
    assert "Sorry, Octopus is unavailable" in page
    assert "nhsuk-header" in page and "nhsuk-frontend.min.css" in page
    assert "Traceback" not in page and "OperationalError" not in page and "5432" not in page
    # The database is back: the same client, the next request, no restart.
    assert client.get("/directory/").status_code == 200


def test_a_query_bug_still_gives_the_500_page_not_the_unavailable_one(make_user, settings):
    client = Client(raise_request_exception=False)
    client.force_login(make_user("clinician"))
    with mock.patch("octopus.core.views.home_cards_for", side_effect=OperationalError("no such table: missing")):
        response = client.get("/")
    assert response.status_code == 500
    assert "Sorry, there is a problem with Octopus" in response.content.decode()


def test_banner_when_the_task_worker_stopped_beating(make_user, data_dir):
    client = Client()
    client.force_login(make_user("clinician"))
    heartbeat.beat()
    assert "Background tasks are not running" not in client.get("/").content.decode()
    stale = time.time() - heartbeat.STALE_AFTER_SECONDS - 1
    os.utime(heartbeat.heartbeat_path(), (stale, stale))
    assert "Background tasks are not running" in client.get("/").content.decode()


def test_banner_when_no_worker_ever_ran_and_a_task_waits(make_user, data_dir, settings):
    from django_tasks_db.models import DBTaskResult

    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.backend.DatabaseBackend"}}
    client = Client()
    client.force_login(make_user("clinician"))
    assert "Background tasks are not running" not in client.get("/").content.decode()
    long_ago = timezone.now() - timedelta(minutes=5)
    queued = DBTaskResult.objects.create(
        task_path="octopus.intake.tasks.link_persons_in_background",
        args_kwargs={"args": [1], "kwargs": {}},
        backend_name="default",
        run_after=long_ago,
    )
    DBTaskResult.objects.filter(pk=queued.pk).update(enqueued_at=long_ago)
    assert "Background tasks are not running" in client.get("/").content.decode()


def test_no_banner_before_sign_in(client, data_dir):
    heartbeat.beat()
    stale = time.time() - 3600
    os.utime(heartbeat.heartbeat_path(), (stale, stale))
    assert "Background tasks are not running" not in client.get("/accounts/login/").content.decode()
