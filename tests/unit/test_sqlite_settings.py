"""SQLite as the app uses it: WAL, so pages read while a publish writes (decision 0024)."""

import pytest
from django.conf import settings
from django.db.backends.sqlite3.base import DatabaseWrapper


def test_sqlite_database_file_uses_wal_and_immediate_transactions(tmp_path, django_db_blocker):
    configured = settings.DATABASES["default"]
    if not configured["ENGINE"].endswith("sqlite3"):
        pytest.skip("the PostgreSQL pass configures no SQLite")
    wrapper = DatabaseWrapper({**configured, "NAME": str(tmp_path / "octopus.sqlite3")}, alias="wal-check")
    # A file of its own, not the test database: only the connection settings are under test.
    with django_db_blocker.unblock(), wrapper.cursor() as cursor:
        cursor.execute("PRAGMA journal_mode")
        journal = cursor.fetchone()[0]
        cursor.execute("PRAGMA synchronous")
        synchronous = cursor.fetchone()[0]
        cursor.execute("PRAGMA busy_timeout")
        busy_timeout_ms = cursor.fetchone()[0]
    wrapper.close()
    assert journal == "wal"
    assert synchronous == 1  # NORMAL: safe with WAL, and no fsync per commit
    assert wrapper.transaction_mode == "IMMEDIATE"
    assert busy_timeout_ms == 30_000  # writers queue for the lock rather than fail (decision 0034)
