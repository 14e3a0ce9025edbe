"""How linkage stands: persons, source persons by the method that linked them, review, last run.

Counts only. Before the first link run the linkage tables do not exist; the overview then says
so (`linked` is False) instead of failing.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from octopus.clock import london_time
from octopus.population.feeds.store import FeedStore

# The order the methods are explained in, strongest evidence first (persons.py).
METHODS = ("nhs_number", "exact_demographics", "probabilistic", "clerical", "new")


@dataclass(frozen=True)
class LinkRun:
    run_id: int
    started_at: datetime
    persons: int
    units: int
    review_pairs: int


@dataclass(frozen=True)
class LinkageOverview:
    linked: bool
    persons: int = 0
    source_persons: int = 0
    records: int = 0
    by_method: dict[str, int] = field(default_factory=dict)
    awaiting_review: int = 0
    decided_since_last_run: int = 0
    last_run: LinkRun | None = None


def _tables(store: FeedStore) -> set[str]:
    return {row[0] for row in store.connection.execute("SELECT table_name FROM duckdb_tables()").fetchall()}


def linkage_overview(store: FeedStore) -> LinkageOverview:
    tables = _tables(store)
    if "link_runs" not in tables or "record_persons" not in tables:
        return LinkageOverview(linked=False)
    con = store.connection
    counts = dict(con.execute("SELECT method, count(*) FROM source_persons GROUP BY method").fetchall())
    persons, units = con.execute("SELECT count(DISTINCT person_id), count(*) FROM source_persons").fetchone()
    records = con.execute("SELECT count(*) FROM record_persons").fetchone()[0]
    run = con.execute(
        "SELECT run_id, started_at, persons, units, review_pairs FROM link_runs ORDER BY run_id DESC LIMIT 1"
    ).fetchone()
    awaiting = con.execute(
        "SELECT count(*) FROM review_queue q WHERE NOT EXISTS "
        "(SELECT 1 FROM review_decisions d WHERE d.pair_id = q.pair_id)"
    ).fetchone()[0]
    decided = (
        con.execute("SELECT count(*) FROM review_decisions WHERE decided_at >= ?", [run[1]]).fetchone()[0] if run else 0
    )
    return LinkageOverview(
        linked=run is not None,
        persons=persons,
        source_persons=units,
        records=records,
        by_method={method: counts.get(method, 0) for method in METHODS},
        awaiting_review=awaiting,
        decided_since_last_run=decided,
        last_run=LinkRun(run[0], london_time(run[1]), *run[2:]) if run else None,
    )
