"""Loading one delivery into the feed store: all of it, or none of it.

A file is identified by the SHA-256 of its bytes, so loading it again changes nothing. Inside
one DuckDB transaction its batches are checked and staged; if its structure is wrong or too
many rows are bad the transaction is rolled back and the file rejected whole. Otherwise rows
with the same record key from earlier deliveries are marked superseded, the good rows are
inserted with their provenance, bad rows go to the quarantine, and the delivery is recorded —
then the transaction commits. A load killed part-way leaves the store as it was before.
"""

from __future__ import annotations

import hashlib
import logging
import os
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import pyarrow as pa

from octopus.population.feeds.contract import Feed
from octopus.population.feeds.store import FeedStore, duckdb_type, feed_table
from octopus.population.feeds.validate import (
    CodeChecker,
    FeedRejected,
    Problem,
    feed_name_from_path,
    problems_sql,
    read_batches,
    typed_sql,
)

logger = logging.getLogger(__name__)

DEFAULT_MAX_BAD_SHARE = 0.05
# Test hook: seconds to sleep once every row is staged but before the commit, so a test can
# kill the process mid-load and check that nothing half-loaded is left behind.
SLEEP_MID_LOAD_ENV = "OCTOPUS_FEEDS_SLEEP_MID_LOAD"


@dataclass(frozen=True)
class LoadResult:
    file_name: str
    feed: str
    delivery_id: str
    status: str  # "loaded" or "already loaded"
    row_count: int
    loaded_rows: int
    quarantined_rows: int
    superseded_rows: int = 0

    def summary(self) -> str:
        if self.status != "loaded":
            return f"{self.file_name}: already loaded as delivery {self.delivery_id}; nothing changed."
        return (
            f"{self.file_name}: loaded {self.loaded_rows} of {self.row_count} rows into "
            f"{self.feed} (delivery {self.delivery_id}); {self.quarantined_rows} quarantined, "
            f"{self.superseded_rows} earlier rows superseded."
        )


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def load_file(
    store: FeedStore,
    path: Path | str,
    *,
    feed_name: str | None = None,
    max_bad_share: float = DEFAULT_MAX_BAD_SHARE,
    codelist_dir: Path | None = None,
    on_rows: Callable[[int], None] | None = None,
) -> LoadResult:
    """Validate and load one CSV or Parquet delivery; raise `FeedRejected` if refused whole.

    A refused file is recorded in `rejections` (name, digest, feed if known, reason) so the
    people loading deliveries can see it later; nothing from its rows is kept.
    """
    path = Path(path)
    if not path.is_file():
        raise FeedRejected(f"{path}: no such file.")
    sha256 = file_sha256(path)
    try:
        return _load(store, path, sha256, feed_name, max_bad_share, codelist_dir, on_rows)
    except FeedRejected as error:
        record_rejection(store, path.name, sha256, _feed_hint(store, path, feed_name), str(error))
        raise


def _load(store, path, sha256, feed_name, max_bad_share, codelist_dir, on_rows) -> LoadResult:
    feed = store.feed(feed_name_from_path(path, store.contracts, feed_name))
    delivery_id = sha256[:16]
    con = store.connection
    existing = con.execute(
        "SELECT delivery_id, feed, row_count, loaded_rows, quarantined_rows FROM deliveries WHERE sha256 = ?",
        [sha256],
    ).fetchone()
    if existing:
        return LoadResult(path.name, existing[1], existing[0], "already loaded", *existing[2:])
    con.begin()
    try:
        result = _load_in_transaction(
            store, path, feed, delivery_id, sha256, max_bad_share, codelist_dir, on_rows
        )
        _maybe_pause()
        con.commit()
    except BaseException:
        con.rollback()
        raise
    logger.info(
        "Loaded delivery %s (%s): %d rows, %d quarantined",
        delivery_id, feed.name, result.loaded_rows, result.quarantined_rows,
    )
    return result


def _feed_hint(store: FeedStore, path: Path, declared: str | None) -> str | None:
    name = declared or path.stem.split("__")[0]
    return name if name in store.contracts else None


def record_rejection(store: FeedStore, file_name: str, sha256: str | None, feed: str | None, reason: str) -> None:
    """Note a file refused whole. Reasons name file, row and field, never a row's values."""
    store.connection.execute(
        "INSERT INTO rejections VALUES (?, ?, ?, ?, ?)",
        [file_name, sha256, feed, reason, datetime.now().replace(microsecond=0)],
    )
    logger.info("Rejected %s (%s)", file_name, feed or "feed unknown")


def _load_in_transaction(
    store: FeedStore,
    path: Path,
    feed: Feed,
    delivery_id: str,
    sha256: str,
    max_bad_share: float,
    codelist_dir: Path | None,
    on_rows: Callable[[int], None] | None,
) -> LoadResult:
    con = store.connection
    typed_columns = ", ".join(f'"{c.name}" {duckdb_type(feed, c.name)}' for c in feed.columns)
    con.execute(f"CREATE OR REPLACE TEMP TABLE _staging ({typed_columns}, _row_number BIGINT, _bad BOOLEAN)")
    con.execute(
        "CREATE OR REPLACE TEMP TABLE _problems (row_number BIGINT, field VARCHAR, value VARCHAR, reason VARCHAR)"
    )
    checker = CodeChecker(feed, codelist_dir)
    rows = 0
    selects = ", ".join(f'{typed_sql(feed, c)} AS "{c.name}"' for c in feed.columns)
    for batch in read_batches(path, feed, dict(store.contracts)):
        numbers = pa.array(range(rows + 1, rows + batch.num_rows + 1), pa.int64())
        con.execute("SELECT 1").fetchall()  # DuckDB 2 refuses register() while a result is unread
        con.register("_batch", batch.append_column("_row_number", numbers))
        con.register("_bad_codes", checker.bad_values(con, "_batch"))
        con.execute(f"INSERT INTO _problems {problems_sql(feed, '_batch', '_bad_codes')}")
        con.execute(
            f"INSERT INTO _staging SELECT {selects}, _row_number, false FROM _batch"
        )
        con.unregister("_batch")
        con.unregister("_bad_codes")
        rows += batch.num_rows
        if on_rows:
            on_rows(batch.num_rows)
    _flag_repeated_keys(con, feed)
    con.execute("UPDATE _staging SET _bad = true WHERE _row_number IN (SELECT row_number FROM _problems)")
    bad = con.execute("SELECT count(*) FROM _staging WHERE _bad").fetchone()[0]
    if rows and bad / rows > max_bad_share:
        raise FeedRejected(_too_many_bad_rows(con, path.name, bad, rows, max_bad_share))
    delivered_at = datetime.now().replace(microsecond=0)
    superseded = _supersede(con, feed, delivery_id)
    columns = ", ".join(f'"{c.name}"' for c in feed.columns)
    con.execute(
        f"INSERT INTO {feed_table(feed.name)} ({columns}, _delivery_id, _file_name, _row_number, "
        f"_delivered_at, _superseded_by) SELECT {columns}, ?, ?, _row_number, ?, NULL "
        "FROM _staging WHERE NOT _bad",
        [delivery_id, path.name, delivered_at],
    )
    con.execute(
        "INSERT INTO quarantine SELECT ?, ?, ?, row_number, field, value, reason FROM _problems",
        [delivery_id, feed.name, path.name],
    )
    sequence = con.execute("SELECT coalesce(max(sequence), 0) + 1 FROM deliveries").fetchone()[0]
    con.execute(
        "INSERT INTO deliveries VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [delivery_id, sha256, feed.name, path.name, sequence, delivered_at, rows, rows - bad, bad],
    )
    return LoadResult(path.name, feed.name, delivery_id, "loaded", rows, rows - bad, bad, superseded)


def _flag_repeated_keys(con, feed: Feed) -> None:
    key = ", ".join(f'"{name}"' for name in feed.key)
    con.execute(
        f"""INSERT INTO _problems
        SELECT _row_number, 'source_record_id', source_record_id,
               'repeats the record key (' || {" || ', ' || ".join(f'"{n}"' for n in feed.key)}
               || ') of row ' || first_row || ' in the same file'
        FROM (SELECT *, min(_row_number) OVER (PARTITION BY {key}) AS first_row FROM _staging
              WHERE {" AND ".join(f'"{n}" IS NOT NULL' for n in feed.key)})
        WHERE _row_number <> first_row"""
    )


def _supersede(con, feed: Feed, delivery_id: str) -> int:
    joins = " AND ".join(f't."{name}" = s."{name}"' for name in feed.key)
    # DuckDB reports the rows an UPDATE changed; counting current rows before and after instead
    # scanned the whole feed table twice per file, which dominated loads of many small files.
    changed = con.execute(
        f"UPDATE {feed_table(feed.name)} AS t SET _superseded_by = ? FROM _staging AS s "
        f"WHERE t._superseded_by IS NULL AND NOT s._bad AND {joins}",
        [delivery_id],
    ).fetchone()
    return int(changed[0]) if changed else 0


def _too_many_bad_rows(con, file_name: str, bad: int, rows: int, limit: float) -> str:
    examples = con.execute(
        "SELECT row_number, field, value, reason FROM _problems ORDER BY row_number, field LIMIT 3"
    ).fetchall()
    shown = "; ".join(Problem(*example).describe(file_name).split(": ", 1)[1] for example in examples)
    return (
        f"{file_name}: {bad} of {rows} rows ({bad / rows:.1%}) failed validation, more than the "
        f"{limit:.1%} allowed, so nothing was loaded. First problems: {shown}. Fix the extract "
        "and send it again, or raise --max-bad-share if this is expected."
    )


def _maybe_pause() -> None:
    seconds = os.environ.get(SLEEP_MID_LOAD_ENV)
    if seconds:
        print("octopus-feeds: mid-load pause", file=sys.stderr, flush=True)
        time.sleep(float(seconds))
