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
from array import array
from dataclasses import dataclass

import duckdb
import pyarrow as pa
import pyarrow.compute as pc

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
from octopus.population.linkage.review import DECISIONS_DDL, insert_rows, pair_id_for, refresh_review_queue

logger = logging.getLogger(__name__)

DEFAULT_UPPER = 0.99
DEFAULT_LOWER = 0.5
CLUSTER_REPORT_EVERY = 50_000
IDLE_STORE_MEMORY = "256MB"

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
            f"{self.probabilistic} by demographics (Splink, exact match or clerical decision); {self.review_pairs} "
            "pair(s) await review."
        )


class _Clusters:
    """Union-find over source persons numbered 0..n-1 (`_unit_index`), refusing to join two
    different NHS numbers. Arrays rather than dicts of keys: at 1M residents there are 2.6M
    source persons, and dicts of their keys cost the run over a gigabyte (decision 0064).
    `nhs[i]` is the number of the first source person with i's NHS number, or -1 without one."""

    def __init__(self, parent: array, nhs: array):
        self.parent, self.nhs = parent, nhs

    def find(self, unit: int) -> int:
        parent = self.parent
        while parent[unit] != unit:
            parent[unit] = parent[parent[unit]]
            unit = parent[unit]
        return unit

    def union(self, a: int, b: int) -> bool:
        ra, rb = self.find(a), self.find(b)
        if ra == rb:
            return True
        if self.nhs[ra] >= 0 and self.nhs[rb] >= 0 and self.nhs[ra] != self.nhs[rb]:
            return False
        self.parent[rb] = ra
        if self.nhs[ra] < 0:
            self.nhs[ra] = self.nhs[rb]
        return True

    def roots(self) -> array:
        return array("q", (self.find(unit) for unit in range(len(self.parent))))


def ensure_tables(store: FeedStore) -> None:
    store.connection.execute(_DDL + DECISIONS_DDL)


def link_persons(
    store: FeedStore,
    *,
    upper: float = DEFAULT_UPPER,
    lower: float = DEFAULT_LOWER,
    resources: LinkageResources | None = None,
    progress: Report | None = None,
) -> LinkSummary:
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


def _shrink(con, limit: str) -> None:
    try:
        con.execute(f"SET memory_limit = '{limit}'")
    except duckdb.Error:  # it holds more than that and cannot spill it: keep the run's limit
        logger.info("The store's connection could not shrink to %s while scoring", limit)


def _link(store: FeedStore, upper: float, lower: float, resources: LinkageResources, tracker: Tracker) -> LinkSummary:
    con = store.connection
    run_id = con.execute("SELECT coalesce(max(run_id), 0) + 1 FROM link_runs").fetchone()[0]
    tracker.stage("gathering source persons", unit="rows")
    build_record_units(store)
    build_units(store, lambda done, total: tracker.update(done=done, total=total))
    clusters, units = _index_units(con)
    tracker.update(source_persons=units)
    scratch = store.path.with_name(store.path.name + ".linkage.tmp")
    candidates = con.sql(candidates_sql("link_units")).to_arrow_table()
    # Splink's DuckDB gets the whole limit while it scores; the store's lets go of what it cached
    # meanwhile, so the two together stay near one limit rather than two.
    _shrink(con, IDLE_STORE_MEMORY)
    try:
        pairs = score_pairs(candidates, lower, resources=resources, temp_directory=scratch, tracker=tracker).to_pylist()
    finally:
        con.execute(f"SET memory_limit = '{resources.memory_limit}'")
    del candidates
    decisions = dict(con.execute("SELECT pair_id, decision FROM review_decisions").fetchall())

    for pair in pairs:
        pair["pair_id"] = pair_id_for(pair["unit_key_l"], pair["unit_key_r"])
    confirmed = [p for p in pairs if decisions.get(p["pair_id"]) == "match"]
    confirmed += _confirmed_unscored(con, decisions, {p["pair_id"] for p in pairs})
    exact = [
        p
        for p in exact_demographic_pairs(store)
        if decisions.get(pair_id_for(p["unit_key_l"], p["unit_key_r"])) != "non_match"
    ]
    automatic = [p for p in pairs if p["match_probability"] >= upper and p["pair_id"] not in decisions]
    # Unit keys -> numbers for the source persons in any pair; confirmed pairs whose source
    # persons are gone (no longer delivered) drop out here.
    index = _numbers_of(con, {key for p in (*pairs, *confirmed, *exact) for key in (p["unit_key_l"], p["unit_key_r"])})
    confirmed = [p for p in confirmed if p["unit_key_l"] in index and p["unit_key_r"] in index]
    best: dict[int, tuple[float, str]] = {}
    ordered = [(p, "clerical") for p in confirmed] + [(p, "exact_demographics") for p in exact]
    ordered += [(p, "probabilistic") for p in sorted(automatic, key=lambda p: -p["match_probability"])]
    tracker.stage("clustering", total=len(ordered))
    for done, (pair, how) in enumerate(ordered, start=1):
        left, right = index[pair["unit_key_l"]], index[pair["unit_key_r"]]
        if clusters.union(left, right):
            for unit in (left, right):
                if pair["match_probability"] > best.get(unit, (0.0, ""))[0]:
                    best[unit] = (pair["match_probability"], how)
        if done % CLUSTER_REPORT_EVERY == 0 or done == len(ordered):
            tracker.update(done=done, pairs_clustered=done)
    review = [
        p
        for p in pairs
        if lower <= p["match_probability"] < upper
        and p["pair_id"] not in decisions
        and clusters.find(index[p["unit_key_l"]]) != clusters.find(index[p["unit_key_r"]])
    ]
    tracker.stage("assigning person ids", total=units, unit="source persons")
    new_persons = _assign_person_ids(store, clusters, best, run_id)
    tracker.update(done=units)
    refresh_review_queue(store, review, run_id)
    tracker.stage("mapping records", unit="rows")
    _map_records(store)
    return _record_run(store, run_id, units, new_persons, len(review))


def _index_units(con) -> tuple[_Clusters, int]:
    """Number the source persons in key order (`_unit_index`) and start each in its NHS number's
    cluster: the lowest number of a cluster is then its alphabetically first source person."""
    con.execute(
        """CREATE OR REPLACE TEMP TABLE _unit_index AS
           SELECT idx, unit_key, nhs_number,
                  CASE WHEN nhs_number IS NULL THEN idx ELSE min(idx) OVER (PARTITION BY nhs_number) END AS nhs_root
           FROM (SELECT row_number() OVER (ORDER BY unit_key) - 1 AS idx, unit_key, nhs_number FROM link_units)"""
    )
    table = con.sql("SELECT nhs_root, nhs_number IS NULL AS no_nhs FROM _unit_index ORDER BY idx").to_arrow_table()
    parent, nhs = array("q"), array("q")
    parent.frombytes(table.column("nhs_root").to_numpy().astype("int64").tobytes())
    nhs.frombytes(pc.if_else(table.column("no_nhs"), -1, table.column("nhs_root")).to_numpy().astype("int64").tobytes())
    return _Clusters(parent, nhs), len(parent)


def _numbers_of(con, keys: set[str]) -> dict[str, int]:
    con.execute("SELECT 1").fetchall()  # DuckDB 2 refuses register() while a result is unread
    con.register("_wanted", pa.table({"unit_key": pa.array(sorted(keys), pa.string())}))
    try:
        return dict(con.execute("SELECT unit_key, idx FROM _unit_index JOIN _wanted USING (unit_key)").fetchall())
    finally:
        con.unregister("_wanted")


def _confirmed_unscored(con, decisions, scored: set[str]) -> list[dict]:
    """Confirmed pairs Splink no longer proposes (e.g. below `lower` now) still link."""
    rows = con.execute(
        "SELECT pair_id, unit_key_l, unit_key_r FROM review_decisions WHERE decision = 'match'"
    ).fetchall()
    return [
        {"pair_id": pid, "unit_key_l": left, "unit_key_r": right, "match_probability": 1.0}
        for pid, left, right in rows
        if pid not in scored
    ]


def _assign_person_ids(store: FeedStore, clusters: _Clusters, best: dict[int, tuple[float, str]], run_id: int) -> int:
    """Give each cluster a person id; the per-source-person work stays in DuckDB, Python walks
    the clusters once in order (larger and NHS-numbered clusters choose first)."""
    con = store.connection
    con.execute("SELECT 1").fetchall()
    roots_of = clusters.roots()
    _create_from_arrow(
        con,
        "_roots",
        pa.table({"idx": pa.array(range(len(roots_of)), pa.int64()), "root": pa.array(roots_of, pa.int64())}),
    )
    del roots_of
    best_units = sorted(best)
    _create_from_arrow(
        con,
        "_best",
        pa.table(
            {
                "idx": pa.array(best_units, pa.int64()),
                "match_probability": pa.array([best[u][0] for u in best_units], pa.float64()),
                "how": pa.array([best[u][1] for u in best_units], pa.string()),
            }
        ),
    )
    # One row per cluster in the order clusters choose, with the ids it may keep: its NHS
    # number's registered id, then the ids its source persons had last run, most votes first.
    clusters_sql = """
        WITH members AS (
            SELECT r.root, u.idx, u.unit_key, u.nhs_number FROM _roots r JOIN _unit_index u USING (idx)
        ), facts AS (
            SELECT root, count(*) AS size, min(idx) AS first_idx, max(nhs_number) AS nhs_number
            FROM members GROUP BY root
        ), votes AS (
            SELECT m.root, s.person_id, count(*) AS votes FROM members m JOIN source_persons s USING (unit_key)
            WHERE s.person_id NOT IN (SELECT person_id FROM person_registry WHERE merged_into IS NOT NULL)
            GROUP BY ALL
        ), choices AS (
            SELECT root, list(person_id ORDER BY votes DESC, person_id) AS previous FROM votes GROUP BY root
        )
        SELECT f.root, f.nhs_number, reg.person_id AS registered, c.previous
        FROM facts f LEFT JOIN choices c USING (root)
        LEFT JOIN person_registry reg ON reg.nhs_number = f.nhs_number AND reg.merged_into IS NULL
        ORDER BY f.nhs_number IS NULL, f.size DESC, f.first_idx
    """
    sequence = con.execute("SELECT coalesce(max(sequence), 0) FROM person_registry").fetchone()[0]
    registered_ids = dict(
        con.execute(
            "SELECT nhs_number, person_id FROM person_registry WHERE nhs_number IS NOT NULL AND merged_into IS NULL"
        ).fetchall()
    )
    now = utc_stamp()
    claimed: set[str] = set()
    roots, person_ids = array("q"), []
    new_rows, nhs_updates = [], []
    con.execute("SELECT 1").fetchall()
    for batch in con.sql(clusters_sql).to_arrow_reader(200_000):
        for root, nhs, registered, previous in zip(*(batch.column(i).to_pylist() for i in range(4)), strict=True):
            choices = [registered] if registered else []
            choices += previous or ()
            person_id = next((c for c in choices if c not in claimed), None)
            if person_id is None:
                sequence += 1
                person_id = f"P{sequence:010d}"
                new_rows.append((person_id, sequence, nhs, now, None))
            elif nhs and registered_ids.get(nhs) != person_id:
                nhs_updates.append((nhs, person_id))
            claimed.add(person_id)
            roots.append(root)
            person_ids.append(person_id)
    del claimed
    if new_rows:
        insert_rows(
            con,
            "person_registry",
            ["person_id", "sequence", "nhs_number", "created_at", "merged_into"],
            new_rows,
            [pa.string(), pa.int64(), pa.string(), pa.timestamp("us"), pa.string()],
        )
    for nhs, person_id in nhs_updates:
        con.execute("UPDATE person_registry SET nhs_number = NULL WHERE nhs_number = ?", [nhs])
        con.execute("UPDATE person_registry SET nhs_number = ? WHERE person_id = ?", [nhs, person_id])
    _create_from_arrow(
        con,
        "_cluster_ids",
        pa.table({"root": pa.array(roots, pa.int64()), "person_id": pa.array(person_ids, pa.string())}),
    )
    del roots, person_ids
    con.execute(
        f"""CREATE OR REPLACE TEMP TABLE _assign AS
            SELECT u.unit_key, c.person_id,
                   CASE WHEN u.nhs_number IS NOT NULL THEN 'nhs_number' ELSE coalesce(b.how, 'new') END AS method,
                   b.match_probability, {int(run_id)}::BIGINT AS run_id
            FROM _roots r JOIN _unit_index u USING (idx) JOIN _cluster_ids c USING (root)
                LEFT JOIN _best b USING (idx)"""
    )
    # Ids no cluster claimed this run were merged into another person; keep them, retired.
    con.execute(
        """UPDATE person_registry AS r SET merged_into = m.person_id
           FROM (SELECT s.person_id AS old_id, any_value(a.person_id) AS person_id FROM source_persons s
                 JOIN _assign a USING (unit_key) GROUP BY s.person_id) AS m
           WHERE r.person_id = m.old_id AND r.merged_into IS NULL
             AND r.person_id NOT IN (SELECT person_id FROM _assign)"""
    )
    con.execute("DELETE FROM source_persons")
    con.execute("INSERT INTO source_persons SELECT * FROM _assign")
    # Each is a row per source person (24M across London), held under the run's memory limit
    # until dropped: mapping every record to its person next needs that memory.
    for table in ("_assign", "_cluster_ids", "_best", "_roots", "_unit_index"):
        con.execute(f"DROP TABLE {table}")
    return len(new_rows)


def _create_from_arrow(con, table: str, data: pa.Table) -> None:
    con.execute("SELECT 1").fetchall()  # DuckDB 2 refuses register() while a result is unread
    con.register("_arrow_in", data)
    con.execute(f"CREATE OR REPLACE TEMP TABLE {table} AS SELECT * FROM _arrow_in")
    con.unregister("_arrow_in")


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
        [
            run_id,
            utc_stamp(),
            persons,
            units,
            counts.get("nhs_number", 0),
            sum(counts.get(how, 0) for how in ("probabilistic", "exact_demographics", "clerical")),
            review_pairs,
        ],
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
