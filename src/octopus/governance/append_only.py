"""The audit table is append-only in the database itself, not only by convention.

Triggers refuse UPDATE and DELETE on ``governance_auditevent`` (PostgreSQL and SQLite), so a
bug, a careless ``.update()`` or an SQL console session cannot quietly rewrite history; the keyed
chain and checkpoints (``audit.verify``) still detect anything done by someone who can drop
triggers, and ``verify`` reports the triggers missing. Every ``migrate`` puts them back
(``restore_after_migrate``), so ``octopus manage migrate`` repairs a database they were dropped from.

Wiping the whole database (``flush``: tests, ``octopus restore --replace``) lifts the triggers
for that one operation; see ``suspended``. In production run the web app as a database role
without DDL or TRUNCATE rights on this table, so only a DBA can do even that.
"""

from contextlib import contextmanager

from django.db import connections

TABLE = "governance_auditevent"
MESSAGE = "The audit log is append-only: entries cannot be changed or deleted."

_POSTGRES_INSTALL = [
    f"""
    CREATE OR REPLACE FUNCTION governance_auditevent_append_only() RETURNS trigger AS $$
    BEGIN
        RAISE EXCEPTION '{MESSAGE} (% refused)', TG_OP USING ERRCODE = 'insufficient_privilege';
    END;
    $$ LANGUAGE plpgsql
    """,
    f"DROP TRIGGER IF EXISTS governance_auditevent_append_only ON {TABLE}",
    f"""
    CREATE TRIGGER governance_auditevent_append_only BEFORE UPDATE OR DELETE ON {TABLE}
    FOR EACH ROW EXECUTE FUNCTION governance_auditevent_append_only()
    """,
]
_POSTGRES_REMOVE = [f"DROP TRIGGER IF EXISTS governance_auditevent_append_only ON {TABLE}"]

_SQLITE_INSTALL = [
    "DROP TRIGGER IF EXISTS governance_auditevent_no_update",
    "DROP TRIGGER IF EXISTS governance_auditevent_no_delete",
    f"""CREATE TRIGGER governance_auditevent_no_update BEFORE UPDATE ON {TABLE}
    BEGIN SELECT RAISE(ABORT, '{MESSAGE}'); END""",
    f"""CREATE TRIGGER governance_auditevent_no_delete BEFORE DELETE ON {TABLE}
    BEGIN SELECT RAISE(ABORT, '{MESSAGE}'); END""",
]
_SQLITE_REMOVE = [
    "DROP TRIGGER IF EXISTS governance_auditevent_no_update",
    "DROP TRIGGER IF EXISTS governance_auditevent_no_delete",
]


def _statements(vendor: str, install: bool) -> list[str]:
    if vendor == "postgresql":
        return _POSTGRES_INSTALL if install else _POSTGRES_REMOVE
    if vendor == "sqlite":
        return _SQLITE_INSTALL if install else _SQLITE_REMOVE
    return []  # other databases: the hash chain alone


def install(connection) -> None:
    with connection.cursor() as cursor:
        for sql in _statements(connection.vendor, True):
            cursor.execute(sql)


def remove(connection) -> None:
    with connection.cursor() as cursor:
        for sql in _statements(connection.vendor, False):
            cursor.execute(sql)


def is_installed(connection) -> bool:
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "SELECT 1 FROM pg_trigger WHERE tgname = 'governance_auditevent_append_only' AND NOT tgisinternal"
                " AND tgenabled <> 'D' AND tgrelid = %s::regclass",
                [TABLE],
            )
        elif connection.vendor == "sqlite":
            cursor.execute(
                "SELECT count(*) FROM sqlite_master WHERE type = 'trigger' AND tbl_name = %s"
                " AND name IN ('governance_auditevent_no_update', 'governance_auditevent_no_delete')",
                [TABLE],
            )
            return cursor.fetchone()[0] == 2
        else:
            return False
        return cursor.fetchone() is not None


@contextmanager
def suspended(using: str = "default"):
    """Lift the triggers for one sanctioned operation (a full wipe or a test that tampers)."""
    connection = connections[using]
    was_installed = is_installed(connection)
    remove(connection)
    try:
        yield
    finally:
        if was_installed:
            install(connection)


# Migration helpers (RunPython): each database gets its own dialect.
def migrate_install(apps, schema_editor) -> None:
    install(schema_editor.connection)


def migrate_remove(apps, schema_editor) -> None:
    remove(schema_editor.connection)


def restore_after_migrate(sender, using="default", **kwargs) -> None:
    """post_migrate: put the triggers back whenever migrations run (idempotent)."""
    connection = connections[using]
    if TABLE in connection.introspection.table_names():
        install(connection)
