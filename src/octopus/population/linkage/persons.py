"""Linking every record to a person with a stable Octopus person id.

1. Source persons (`deterministic.py`) with the same NHS number are one person.
2. Splink scores pairs where at least one side has no NHS number (`probabilistic.py`).
3. Clerical decisions override scores: a confirmed pair links, a rejected pair never does.
4. Pairs at or above `upper` are merged, strongest first, unless that would put two NHS numbers
   in one person. Pairs between `lower` and `upper` left in different persons go to review.
5. Each person keeps the id it had before: the id registered for its NHS number, else the id
   most of its source persons had last run. New persons get the next id; ids are never reused.

Tables: `person_registry` (every id ever issued; `merged_into` when retired), `source_persons`
(unit -> person, how and how sure), `record_persons` (feed row -> person), `review_queue`,
`review_decisions`, `link_runs`.
"""

from __future__ import annotations

import logging
from collections import Counter
from dataclasses import dataclass

import pyarrow as pa

from octopus.clock import utc_stamp
from octopus.population.feeds.store import FeedStore
from octopus.population.linkage.deterministic import (
    build_record_units,
    build_units,
    exact_demographic_pairs,
)
from octopus.population.linkage.probabilistic import candidates_sql, score_pairs
from octopus.population.linkage.progress import Report, Tracker
from octopus.population.linkage.resources import LinkageResources, load_resources
from octopus.population.linkage.review import DECISIONS_DDL, pair_id_for, refresh_review_queue

logger = logging.getLogger(__name__)

DEFAULT_UPPER = 0.99
DEFAULT_LOWER = 0.5
CLUSTER_REPORT_EVERY = 50_000

_DDL = """
CREATE TABLE IF NOT EXISTS person_registry (
    person_id VARCHAR PRIMARY KEY, sequence BIGINT NOT NULL, nhs_number VARCHAR,
    created_at TIMESTAMP NOT NULL, merged_into VARCHAR
);
CREATE TABLE IF NOT EXISTS source_persons (
    unit_key VARCHAR PRIMARY KEY, person_id VARCHAR NOT NULL, method VARCHAR NOT NULL,
    match_probability DOUBLE, run_id BIGINT NOT NULL
);
CREATE TABLE IF NOT EXISTS link_runs (
    run_id BIGINT PRIMARY KEY, started_at TIMESTAMP NOT NULL, persons BIGINT, units BIGINT,
    linked_by_nhs_number BIGINT, linked_probabilistically BIGINT, review_pairs BIGINT
);
"""


@dataclass(frozen=True)
class LinkSummary:
    run_id: int
    units: int
    persons: int
    by_nhs_number: int
    probabilistic: int
    new_persons: int
    review_pairs: int

    def describe(self) -> str:
        return (
            f"Link run {self.run_id}: {self.units} source persons -> {self.persons} persons "
            f"({self.new_persons} new); {self.by_nhs_number} linked by NHS number, "
            f"{self.probabilistic} by demographics (Splink, exact match or clerical decision); {self.review_pairs} pair(s) await review."
        )


class _Clusters:
    """Union-find that refuses to join two different NHS numbers."""

    def __init__(self, nhs: dict[str, str | None]):
        self.parent = {unit: unit for unit in nhs}
        self.nhs = dict(nhs)

    def find(self, unit: str) -> str:
        while self.parent[unit] != unit:
            self.parent[unit] = self.parent[self.parent[unit]]
            unit = self.parent[unit]
        return unit

    def union(self, a: str, b: str) -> bool:
        ra, rb = self.find(a), self.find(b)
        if ra == rb:
            return True
        if self.nhs[ra] and self.nhs[rb] and self.nhs[ra] != self.nhs[rb]:
            return False
        self.parent[rb] = ra
        self.nhs[ra] = self.nhs[ra] or self.nhs[rb]
        return True


def ensure_tables(store: FeedStore) -> None:
    store.connection.execute(_DDL + DECISIONS_DDL)


def link_persons(store: FeedStore, *, upper: float = DEFAULT_UPPER, lower: float = DEFAULT_LOWER,
                 resources: LinkageResources | None = None, progress: Report | None = None) -> LinkSummary:
    """Link all current feed rows to persons; update the registry, mappings and review queue.

    `resources` (default: `config/linkage.yaml`) sets DuckDB's threads and memory limit for the
    run; `progress` is called with a `LinkProgress` at every stage and step."""
    con = store.connection
    resources = resources or load_resources()
    apply_resources(con, resources)
    ensure_tables(store)
    tracker = Tracker(progress)
    con.begin()
    try:
        summary = _link(store, upper, lower, resources, tracker)
        con.commit()
    except BaseException:
        con.rollback()
        raise
    logger.info(summary.describe())
    return summary


def apply_resources(con, resources: LinkageResources) -> None:
    """The run's threads and memory limit on the store's connection (it spills to `<store>.tmp`)."""
    con.execute(f"SET threads = {resources.threads}")
    con.execute(f"SET memory_limit = '{resources.memory_limit}'")


def _link(store: FeedStore, upper: float, lower: float, resources: LinkageResources, tracker: Tracker) -> LinkSummary:
    con = store.connection
    run_id = con.execute("SELECT coalesce(max(run_id), 0) + 1 FROM link_runs").fetchone()[0]
    tracker.stage("gathering source persons", unit="rows")
    build_record_units(store)
    build_units(store)
    units = dict(con.execute("SELECT unit_key, nhs_number FROM link_units").fetchall())
    tracker.update(source_persons=len(units))
    scratch = store.path.with_name(store.path.name + ".linkage.tmp")
    pairs = score_pairs(con.sql(candidates_sql("link_units")).to_arrow_table(), lower, resources=resources,
                        temp_directory=scratch, tracker=tracker).to_pylist()
    decisions = dict(con.execute("SELECT pair_id, decision FROM review_decisions").fetchall())

    clusters = _Clusters(units)
    by_nhs: dict[str, str] = {}
    for unit, nhs in units.items():
        if nhs:
            clusters.union(by_nhs.setdefault(nhs, unit), unit)
    for pair in pairs:
        pair["pair_id"] = pair_id_for(pair["unit_key_l"], pair["unit_key_r"])
    confirmed = [p for p in pairs if decisions.get(p["pair_id"]) == "match"]
    confirmed += _confirmed_unscored(con, decisions, {p["pair_id"] for p in pairs}, units)
    exact = [p for p in exact_demographic_pairs(store) if decisions.get(pair_id_for(p["unit_key_l"], p["unit_key_r"])) != "non_match"]
    automatic = [p for p in pairs if p["match_probability"] >= upper and p["pair_id"] not in decisions]
    best: dict[str, tuple[float, str]] = {}
    ordered = [(p, "clerical") for p in confirmed] + [(p, "exact_demographics") for p in exact]
    ordered += [(p, "probabilistic") for p in sorted(automatic, key=lambda p: -p["match_probability"])]
    tracker.stage("clustering", total=len(ordered))
    for done, (pair, how) in enumerate(ordered, start=1):
        if clusters.union(pair["unit_key_l"], pair["unit_key_r"]):
            for unit in (pair["unit_key_l"], pair["unit_key_r"]):
                if pair["match_probability"] > best.get(unit, (0.0, ""))[0]:
                    best[unit] = (pair["match_probability"], how)
        if done % CLUSTER_REPORT_EVERY == 0 or done == len(ordered):
            tracker.update(done=done, pairs_clustered=done)
    review = [
        p for p in pairs
        if lower <= p["match_probability"] < upper and p["pair_id"] not in decisions
        and clusters.find(p["unit_key_l"]) != clusters.find(p["unit_key_r"])
    ]
    tracker.stage("assigning person ids", total=len(units), unit="source persons")
    new_persons = _assign_person_ids(store, clusters, units, best, run_id)
    tracker.update(done=len(units))
    refresh_review_queue(store, review, run_id)
    tracker.stage("mapping records", unit="rows")
    _map_records(store)
    return _record_run(store, run_id, len(units), new_persons, len(review))


def _confirmed_unscored(con, decisions, scored: set[str], units) -> list[dict]:
    """Confirmed pairs Splink no longer proposes (e.g. below `lower` now) still link."""
    rows = con.execute(
        "SELECT pair_id, unit_key_l, unit_key_r FROM review_decisions WHERE decision = 'match'"
    ).fetchall()
    return [
        {"pair_id": pid, "unit_key_l": left, "unit_key_r": right, "match_probability": 1.0}
        for pid, left, right in rows
        if pid not in scored and left in units and right in units
    ]


def _assign_person_ids(store: FeedStore, clusters: _Clusters, units, best, run_id: int) -> int:
    con = store.connection
    members: dict[str, list[str]] = {}
    for unit in units:
        members.setdefault(clusters.find(unit), []).append(unit)
    previous = dict(con.execute("SELECT unit_key, person_id FROM source_persons").fetchall())
    registered = dict(con.execute(
        "SELECT nhs_number, person_id FROM person_registry WHERE nhs_number IS NOT NULL AND merged_into IS NULL"
    ).fetchall())
    retired = {row[0] for row in con.execute("SELECT person_id FROM person_registry WHERE merged_into IS NOT NULL").fetchall()}
    sequence = con.execute("SELECT coalesce(max(sequence), 0) FROM person_registry").fetchone()[0]
    now = utc_stamp()
    claimed: dict[str, str] = {}
    assignments: list[tuple[str, str, str, float | None, int]] = []
    new_rows, nhs_updates = [], []
    # Larger clusters and NHS-numbered clusters choose first, so the spine keeps its ids.
    for root in sorted(members, key=lambda r: (clusters.nhs[r] is None, -len(members[r]), min(members[r]))):
        nhs = clusters.nhs[root]
        choices = [registered[nhs]] if nhs and nhs in registered else []
        votes = Counter(previous[u] for u in members[root] if u in previous)
        choices += sorted(votes, key=lambda pid: (-votes[pid], pid))
        person_id = next((c for c in choices if c not in claimed and c not in retired), None)
        if person_id is None:
            sequence += 1
            person_id = f"P{sequence:010d}"
            new_rows.append((person_id, sequence, nhs, now, None))
        elif nhs and registered.get(nhs) != person_id:
            nhs_updates.append((nhs, person_id))
        claimed[person_id] = root
        for unit in members[root]:
            probability, how = best.get(unit, (None, "new"))
            assignments.append((unit, person_id, "nhs_number" if units[unit] else how, probability, run_id))
    if new_rows:
        _insert(con, "person_registry", ["person_id", "sequence", "nhs_number", "created_at", "merged_into"], new_rows,
                [pa.string(), pa.int64(), pa.string(), pa.timestamp("us"), pa.string()])
    for nhs, person_id in nhs_updates:
        con.execute("UPDATE person_registry SET nhs_number = NULL WHERE nhs_number = ?", [nhs])
        con.execute("UPDATE person_registry SET nhs_number = ? WHERE person_id = ?", [nhs, person_id])
    # Ids no cluster claimed this run were merged into another person; keep them, retired.
    con.execute("CREATE OR REPLACE TEMP TABLE _assign (unit_key VARCHAR, person_id VARCHAR, method VARCHAR, match_probability DOUBLE, run_id BIGINT)")
    _insert(con, "_assign", ["unit_key", "person_id", "method", "match_probability", "run_id"], assignments,
            [pa.string(), pa.string(), pa.string(), pa.float64(), pa.int64()])
    con.execute(
        """UPDATE person_registry AS r SET merged_into = m.person_id
           FROM (SELECT s.person_id AS old_id, any_value(a.person_id) AS person_id FROM source_persons s
                 JOIN _assign a USING (unit_key) GROUP BY s.person_id) AS m
           WHERE r.person_id = m.old_id AND r.merged_into IS NULL
             AND r.person_id NOT IN (SELECT person_id FROM _assign)"""
    )
    con.execute("DELETE FROM source_persons")
    con.execute("INSERT INTO source_persons SELECT * FROM _assign")
    return len(new_rows)


def _insert(con, table: str, names: list[str], rows: list[tuple], types: list) -> None:
    """Bulk insert through Arrow: DuckDB's executemany costs about a millisecond a row."""
    columns = list(zip(*rows, strict=True)) if rows else [[] for _ in names]
    con.execute("SELECT 1").fetchall()  # DuckDB 2 refuses register() while a result is unread
    con.register("_rows", pa.table({n: pa.array(c, t) for n, c, t in zip(names, columns, types, strict=True)}))
    con.execute(f"INSERT INTO {table} ({', '.join(names)}) SELECT * FROM _rows")
    con.unregister("_rows")


def _map_records(store: FeedStore) -> None:
    store.connection.execute(
        """CREATE OR REPLACE TABLE record_persons AS
           SELECT r.feed, r.sender_code, r.source_record_id, r.unit_key, s.person_id
           FROM link_records r JOIN source_persons s USING (unit_key) WHERE r.feed <> '_demographics'"""
    )


def _record_run(store: FeedStore, run_id: int, units: int, new_persons: int, review_pairs: int) -> LinkSummary:
    con = store.connection
    counts = dict(con.execute("SELECT method, count(*) FROM source_persons GROUP BY method").fetchall())
    persons = con.execute("SELECT count(DISTINCT person_id) FROM source_persons").fetchone()[0]
    con.execute(
        "INSERT INTO link_runs VALUES (?, ?, ?, ?, ?, ?, ?)",
        [run_id, utc_stamp(), persons, units, counts.get("nhs_number", 0),
         sum(counts.get(how, 0) for how in ("probabilistic", "exact_demographics", "clerical")), review_pairs],
    )
    linked = sum(counts.get(how, 0) for how in ("probabilistic", "exact_demographics", "clerical"))
    return LinkSummary(run_id, units, persons, counts.get("nhs_number", 0), linked, new_persons, review_pairs)


def person_for_record(store: FeedStore, feed: str, sender_code: str, source_record_id: str) -> str | None:
    """The Octopus person id a feed row is linked to (None if the row is unknown or not linked)."""
    row = store.connection.execute(
        "SELECT person_id FROM record_persons WHERE feed = ? AND sender_code = ? AND source_record_id = ?",
        [feed, sender_code, source_record_id],
    ).fetchone()
    return row[0] if row else None
