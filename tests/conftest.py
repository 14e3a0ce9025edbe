"""Test-wide fixtures.

The suite runs twice in `make test`: everything on SQLite, then every test that touches the
database again on PostgreSQL (OCTOPUS_TEST_DATABASE_URL). ``OCTOPUS_DB_PASS=postgres`` selects
only database tests for that second pass.
"""

import datetime as dt
import os

import pytest

# OCTOPUS_TEST_NOW=2026-12-03T13:30:00+00:00 runs the whole session at that moment (the clock then
# ticks on from it): how `scripts/run-tests.sh` proves that no test depends on when it is run.
EDGE_MOMENTS = {
    "thursday-afternoon": "2026-12-03T13:30:00+00:00",  # a meeting day, after that day's meeting
    "month-end-bst": "2027-06-30T23:30:00+00:00",  # 00:30 on 1 July in London, still 30 June in UTC
    "leap-day": "2028-02-29T12:00:00+00:00",
    "bst-starts": "2027-03-28T00:30:00+00:00",  # 00:30 GMT; at 01:00 UTC London jumps to 02:00 BST
    "bst-ends": "2027-10-31T00:30:00+00:00",  # 01:30 BST; at 01:00 UTC London falls back to 01:00 GMT
    "new-years-eve": "2026-12-31T23:59:00+00:00",
}

_travel = None


def pytest_configure(config):
    global _travel
    moment = os.environ.get("OCTOPUS_TEST_NOW")
    if moment:
        import time_machine

        destination = dt.datetime.fromisoformat(EDGE_MOMENTS.get(moment, moment))
        _travel = time_machine.travel(destination, tick=True)
        _travel.start()


def pytest_unconfigure(config):
    if _travel is not None:
        _travel.stop()


def pytest_report_header(config):
    moment = os.environ.get("OCTOPUS_TEST_NOW")
    return f"clock: travelled to {EDGE_MOMENTS.get(moment, moment)}" if moment else None


DB_FIXTURES = {
    "db",
    "transactional_db",
    "django_db_setup",
    "live_server",
    "client",
    "admin_client",
    "django_user_model",
}


def pytest_collection_modifyitems(config, items):
    if os.environ.get("OCTOPUS_DB_PASS") != "postgres":
        return
    selected, deselected = [], []
    for item in items:
        uses_db = bool(DB_FIXTURES & set(getattr(item, "fixturenames", ()))) or item.get_closest_marker("django_db")
        is_browser = item.get_closest_marker("browser") is not None
        (selected if uses_db and not is_browser else deselected).append(item)
    config.hook.pytest_deselected(items=deselected)
    items[:] = selected


@pytest.fixture
def make_user(db):
    """A user in a team with one role: make_user("clinician")."""
    from octopus.accounts.models import Membership, User
    from octopus.directory.models import Organisation, Team

    counter = {"n": 0}

    def _make(role: str, team=None, username: str | None = None, **fields):
        counter["n"] += 1
        if team is None:
            organisation, _ = Organisation.objects.get_or_create(name="Test Organisation", defaults={"heart": "health"})
            team, _ = Team.objects.get_or_create(
                organisation=organisation, name="Test Team", defaults={"tier": "consistent"}
            )
        user = User.objects.create_user(
            username=username or f"{role}{counter['n']}", password="pw-for-tests-only", **fields
        )
        Membership.objects.create(user=user, team=team, role=role)
        return user

    return _make


@pytest.fixture(scope="session")
def intake_template(tmp_path_factory):
    """The tiny feed store for the intake pages, built once per test process (loading and a Splink
    run take seconds); tests copy it with ``intake_store.copy_to`` and may change their copy."""
    from tests.fixtures import intake_store

    return intake_store.build(tmp_path_factory.mktemp("intake-template"))


@pytest.fixture(scope="session")
def intake_pair_id(intake_template):
    """The first pair awaiting review in the template store (the same in every copy of it)."""
    from tests.fixtures import intake_store

    return intake_store.first_pair_id(intake_template)


@pytest.fixture
def demo_directory(db):
    from octopus import demo

    return demo.seed_directory()


@pytest.fixture(autouse=True)
def _audit_dir_per_test(settings, tmp_path_factory):
    """Each test gets its own audit key ring and checkpoint file, as each gets a fresh database:
    a checkpoint left by one test would otherwise say entries were deleted from the next."""
    settings.OCTOPUS_AUDIT_DIR = tmp_path_factory.mktemp("audit")
