"""Liveness and readiness, for load balancers, orchestrators and `octopus serve`'s operators.

- ``/healthz`` (liveness): this process answers. It touches nothing else, so a database outage
  does not make an orchestrator restart healthy web processes, which would only add a crowd of
  reconnecting processes to the outage.
- ``/readyz`` (readiness): this process can serve real pages: the database answers, every
  migration is applied, and a snapshot has been published (without one the Population pages,
  worklists and case-finding lists are empty). 503 with the checks that failed otherwise.
"""

from django.db import DEFAULT_DB_ALIAS, connections
from django.db.utils import DatabaseError

_migrations_applied = False  # once true it stays true for this process (code cannot gain migrations)


def database_reachable() -> bool:
    try:
        with connections[DEFAULT_DB_ALIAS].cursor() as cursor:
            cursor.execute("SELECT 1")
        return True
    except DatabaseError:
        return False  # Django drops the broken connection when the request finishes


def migrations_applied() -> bool:
    global _migrations_applied
    if not _migrations_applied:
        from django.db.migrations.executor import MigrationExecutor

        executor = MigrationExecutor(connections[DEFAULT_DB_ALIAS])
        _migrations_applied = not executor.migration_plan(executor.loader.graph.leaf_nodes())
    return _migrations_applied


def snapshot_published() -> bool:
    from octopus.insights.models import PublishedSnapshot

    return PublishedSnapshot.objects.exists()


def readiness() -> dict[str, bool]:
    checks = {"database": database_reachable(), "migrations": False, "snapshot": False}
    if checks["database"]:
        try:
            checks["migrations"] = migrations_applied()
            checks["snapshot"] = checks["migrations"] and snapshot_published()
        except DatabaseError:
            checks["database"] = False
    return checks
