"""Clerical review: pairs the model is unsure of, and the decisions people make about them.

A pair is keyed by its two source persons (`unit_key`s, sorted), so a decision made once is
applied at every later link run, whatever else has changed. Decisions take effect at the next
`octopus feeds link`; until then each side keeps its own person id.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from typing import Literal

import pyarrow as pa

from octopus.clock import utc_stamp
from octopus.population.feeds.store import FeedStore

Decision = Literal["match", "non_match"]
FIELDS = ("nhs_number", "given_name", "family_name", "date_of_birth", "sex", "postcode")

DECISIONS_DDL = """
CREATE TABLE IF NOT EXISTS review_queue (
    pair_id VARCHAR PRIMARY KEY, unit_key_l VARCHAR NOT NULL, unit_key_r VARCHAR NOT NULL,
    match_probability DOUBLE NOT NULL, match_weight DOUBLE NOT NULL, fields VARCHAR NOT NULL,
    run_id BIGINT NOT NULL
);
CREATE TABLE IF NOT EXISTS review_decisions (
    pair_id VARCHAR PRIMARY KEY, unit_key_l VARCHAR NOT NULL, unit_key_r VARCHAR NOT NULL,
    decision VARCHAR NOT NULL CHECK (decision IN ('match', 'non_match')),
    decided_by VARCHAR NOT NULL, decided_at TIMESTAMP NOT NULL
);
"""


@dataclass(frozen=True)
class ReviewPair:
    pair_id: str
    left_key: str
    right_key: str
    match_probability: float
    match_weight: float
    fields: tuple[tuple[str, str | None, str | None], ...]  # (field, left value, right value)


def pair_id_for(left: str, right: str) -> str:
    first, second = sorted((left, right))
    return hashlib.sha256(f"{first}\x1f{second}".encode()).hexdigest()[:16]


def refresh_review_queue(store: FeedStore, pairs: list[dict], run_id: int) -> None:
    """Replace the queue with this run's undecided pairs between the thresholds."""
    con = store.connection
    con.execute("DELETE FROM review_queue")
    if not pairs:
        return
    keys = {key for pair in pairs for key in (pair["unit_key_l"], pair["unit_key_r"])}
    con.execute("CREATE OR REPLACE TEMP TABLE _keys (unit_key VARCHAR)")
    con.execute("SELECT 1").fetchall()  # DuckDB 2 refuses register() while a result is unread
    con.register("_new_keys", pa.table({"unit_key": pa.array(sorted(keys), pa.string())}))
    con.execute("INSERT INTO _keys SELECT unit_key FROM _new_keys")
    con.unregister("_new_keys")
    values = {
        row[0]: row[1:]
        for row in con.execute(
            f"SELECT unit_key, {', '.join(f'CAST({f} AS VARCHAR)' for f in FIELDS)} "
            "FROM link_units JOIN _keys USING (unit_key)"
        ).fetchall()
    }
    rows: dict[str, tuple] = {}  # by pair id: a pair given twice keeps its last scores
    for pair in pairs:
        left, right = sorted((pair["unit_key_l"], pair["unit_key_r"]))
        fields = [[name, values[left][i], values[right][i]] for i, name in enumerate(FIELDS)]
        scores = (pair["match_probability"], pair["match_weight"])
        rows[pair_id_for(left, right)] = (left, right, *scores, json.dumps(fields))
    names = ["pair_id", "unit_key_l", "unit_key_r", "match_probability", "match_weight", "fields", "run_id"]
    types = [pa.string(), pa.string(), pa.string(), pa.float64(), pa.float64(), pa.string(), pa.int64()]
    insert_rows(con, "review_queue", names, [(pair_id, *row, run_id) for pair_id, row in rows.items()], types)


def insert_rows(con, table: str, names: list[str], rows: list[tuple], types: list) -> None:
    """Bulk insert through Arrow: DuckDB's executemany costs about a millisecond a row."""
    columns = list(zip(*rows, strict=True)) if rows else [[] for _ in names]
    con.execute("SELECT 1").fetchall()  # DuckDB 2 refuses register() while a result is unread
    con.register("_rows", pa.table({n: pa.array(c, t) for n, c, t in zip(names, columns, types, strict=True)}))
    con.execute(f"INSERT INTO {table} ({', '.join(names)}) SELECT * FROM _rows")
    con.unregister("_rows")


def review_queue(store: FeedStore) -> list[ReviewPair]:
    """Pairs awaiting a decision, most likely matches first."""
    rows = store.connection.execute(
        """SELECT pair_id, unit_key_l, unit_key_r, match_probability, match_weight, fields FROM review_queue q
           WHERE NOT EXISTS (SELECT 1 FROM review_decisions d WHERE d.pair_id = q.pair_id)
           ORDER BY match_probability DESC, pair_id"""
    ).fetchall()
    return [
        ReviewPair(pid, left, right, p, w, tuple(tuple(field) for field in json.loads(fields)))
        for pid, left, right, p, w, fields in rows
    ]


def decide(store: FeedStore, pair_id: str, decision: Decision, decided_by: str) -> None:
    """Record (or change) the decision on a queued or previously decided pair."""
    if decision not in ("match", "non_match"):
        raise ValueError(f"Decision must be 'match' or 'non_match', not {decision!r}.")
    if not decided_by.strip():
        raise ValueError("Say who decided (decided_by), so the decision can be audited.")
    con = store.connection
    pair = con.execute(
        "SELECT unit_key_l, unit_key_r FROM review_queue WHERE pair_id = ? "
        "UNION ALL SELECT unit_key_l, unit_key_r FROM review_decisions WHERE pair_id = ? LIMIT 1",
        [pair_id, pair_id],
    ).fetchone()
    if pair is None:
        raise KeyError(f"No review pair {pair_id!r}; list pairs with `octopus feeds review list`.")
    con.execute(
        "INSERT OR REPLACE INTO review_decisions VALUES (?, ?, ?, ?, ?, ?)",
        [pair_id, pair[0], pair[1], decision, decided_by, utc_stamp()],
    )
