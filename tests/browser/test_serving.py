"""What people see when part of Octopus is down (decisions 0034, 0035), in a browser, with axe."""

import os
import time
from unittest import mock

import pytest
from django.db.utils import OperationalError

from octopus.core import heartbeat

pytestmark = pytest.mark.django_db(transaction=True)


def test_task_worker_down_banner(browser_page, make_user, settings, tmp_path):
    settings.DATA_DIR = tmp_path
    make_user("care_coordinator")
    heartbeat.beat()
    stale = time.time() - 3600
    os.utime(heartbeat.heartbeat_path(), (stale, stale))
    browser_page.sign_in("care_coordinator1")
    page = browser_page.goto("/")
    assert page.get_by_role("heading", name="Important: Background tasks are not running").is_visible()


def test_database_unavailable_page(browser_page, make_user):
    make_user("clinician")
    browser_page.sign_in("clinician1")
    # Every query fails as on a connection the server has dropped.
    gone = OperationalError("server closed the connection unexpectedly")
    with mock.patch("django.db.backends.utils.CursorWrapper._execute", side_effect=gone):
        response = browser_page.page.goto(browser_page.base_url + "/directory/")
        assert response.status == 503
        browser_page.check_accessibility()
        assert browser_page.page.get_by_role("heading", name="Sorry, Octopus is unavailable").is_visible()
    browser_page.goto("/directory/")  # the database is back: the same session works
    assert browser_page.page.get_by_role("heading", name="Sorry, Octopus is unavailable").count() == 0
