"""The database connection from a URL, with the settings each engine needs to serve while publishing."""

import dj_database_url

from .environment import env_float


def database_from_url(url: str) -> dict:
    database = dj_database_url.parse(url, conn_max_age=60)
    if database["ENGINE"].endswith("sqlite3"):
        # WAL lets the web app read while a snapshot is being published (decision 0024);
        # NORMAL is safe with WAL and saves an fsync per commit. IMMEDIATE takes the write lock
        # at BEGIN, so two writers queue on busy_timeout instead of failing mid-transaction.
        options = database.setdefault("OPTIONS", {})
        options["init_command"] = "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;"
        options["transaction_mode"] = "IMMEDIATE"
        # How long a writer waits for SQLite's one write lock before "database is locked". Python's
        # default, 5 s, lost a publish to the pages' own writes (audit entries, sessions) when the
        # demo served 16 users on a busy two-core machine (docs/benchmarks.md, "Serving"): every
        # write is short, so waiting longer only queues, it never deadlocks (decision 0034).
        options["timeout"] = env_float("OCTOPUS_SQLITE_BUSY_TIMEOUT", 30.0)
        database["CONN_MAX_AGE"] = 0
    return database
