"""The database settings as the app uses them: SQLite in WAL, so pages read while a publish writes
(decision 0024). Built from a URL, not from the configured database, so the check runs on every pass."""

from django.db.backends.sqlite3.base import DatabaseWrapper

from octopus.settings.database import database_from_url


def test_sqlite_database_file_uses_wal_and_immediate_transactions(tmp_path, django_db_blocker):
    database = database_from_url(f"sqlite:///{tmp_path / 'octopus.sqlite3'}")
    wrapper = DatabaseWrapper({**database, "TIME_ZONE": None, "AUTOCOMMIT": True}, alias="wal-check")
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
    assert database["CONN_MAX_AGE"] == 0
    assert busy_timeout_ms == 30_000  # writers queue for the lock rather than fail (decision 0034)


def test_postgresql_keeps_pooled_connections_and_no_sqlite_pragmas():
    database = database_from_url("postgresql://octopus@db.example:5432/octopus")
    assert database["ENGINE"] == "django.db.backends.postgresql"
    assert database["CONN_MAX_AGE"] == 60
    assert "init_command" not in database.get("OPTIONS", {})
