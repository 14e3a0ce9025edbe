"""The database connection from a URL, with the settings each engine needs to serve while publishing."""

import dj_database_url


def database_from_url(url: str) -> dict:
    database = dj_database_url.parse(url, conn_max_age=60)
    if database["ENGINE"].endswith("sqlite3"):
        # WAL lets the web app read while a snapshot is being published (decision 0024);
        # NORMAL is safe with WAL and saves an fsync per commit. IMMEDIATE takes the write lock
        # at BEGIN, so two writers queue on busy_timeout instead of failing mid-transaction.
        options = database.setdefault("OPTIONS", {})
        options["init_command"] = "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;"
        options["transaction_mode"] = "IMMEDIATE"
        database["CONN_MAX_AGE"] = 0
    return database
