"""Loading deliveries into the feed store: each file all of it, or none of it.

A file is identified by the SHA-256 of its bytes, so loading it again changes nothing. Its
batches are checked and staged in temporary tables; if its structure is wrong or too many rows
are bad the file is rejected whole before anything is written. Otherwise, in one DuckDB
transaction, rows with the same record key from earlier deliveries are marked superseded, the
good rows are inserted with their provenance, bad rows go to the quarantine, and the delivery is
recorded — then the transaction commits. A load killed part-way leaves the store as it was before.

Consecutive small files of one feed (`load_files`) are checked together — one validation query
over all their rows, each row tagged with its file — and written in one transaction, one file
after another. Planning the validation query, not running it, is most of the cost of a small
file, and a neighbourhood's feeds arrive as hundreds of small files a day (one per practice and
sender). Each file is still all or nothing: one refused file is left out, never half-loaded.
"""

from __future__ import annotations

import hashlib
import logging
import os
import sys
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pyarrow as pa

from octopus.clock import utc_stamp
from octopus.population.feeds.contract import Feed
from octopus.population.feeds.store import FeedStore, duckdb_type, feed_table
from octopus.population.feeds.validate import (
    CodeChecker,
    FeedRejected,
    Problem,
    feed_name_from_path,
    problems_sql,
    read_batches,
    typed_rows_sql,
)

logger = logging.getLogger(__name__)

DEFAULT_MAX_BAD_SHARE = 0.05
# Files are checked together until their rows reach this many, so one large file is a group of
# its own and a group's staged rows stay within a few hundred MB.
GROUP_ROWS = 250_000
GROUP_FILES = 200
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
    ((_, outcome),) = load_files(
        store, [path], feed_name=feed_name, max_bad_share=max_bad_share, codelist_dir=codelist_dir, on_rows=on_rows
    )
    if isinstance(outcome, FeedRejected):
        raise outcome
    return outcome


def load_files(
    store: FeedStore,
    paths: Iterable[Path | str],
    *,
    feed_name: str | None = None,
    max_bad_share: float = DEFAULT_MAX_BAD_SHARE,
    codelist_dir: Path | None = None,
    on_rows: Callable[[int], None] | None = None,
) -> Iterator[tuple[Path, LoadResult | FeedRejected]]:
    """Validate and load deliveries in the order given, yielding each file's outcome in that order.

    The outcome is a `LoadResult`, or the `FeedRejected` error for a file refused whole (recorded
    in `rejections` as `load_file` does). A file's outcome is yielded once its group is committed,
    so read the outcomes to the end: the last group is written only then.
    """
    group: _Group | None = None
    for path in map(Path, paths):
        if not path.is_file():
            yield from group.finish() if group else ()
            group = None
            yield path, FeedRejected(f"{path}: no such file.")
            continue
        sha256 = file_sha256(path)
        try:
            feed = store.feed(feed_name_from_path(path, store.contracts, feed_name))
        except FeedRejected as error:
            yield from group.finish() if group else ()
            group = None
            record_rejection(store, path.name, sha256, _feed_hint(store, path, feed_name), str(error))
            yield path, error
            continue
        if group is not None and not group.takes(feed, sha256):
            yield from group.finish()
            group = None
        if group is None:
            group = _Group(store, feed, max_bad_share, codelist_dir, on_rows)
        group.add(path, sha256)
    if group is not None:
        yield from group.finish()


def _feed_hint(store: FeedStore, path: Path, declared: str | None) -> str | None:
    name = declared or path.stem.split("__")[0]
    return name if name in store.contracts else None


def record_rejection(store: FeedStore, file_name: str, sha256: str | None, feed: str | None, reason: str) -> None:
    """Note a file refused whole. Reasons name file, row and field, never a row's values."""
    store.connection.execute(
        "INSERT INTO rejections VALUES (?, ?, ?, ?, ?)",
        [file_name, sha256, feed, reason, utc_stamp()],
    )
    logger.info("Rejected %s (%s)", file_name, feed or "feed unknown")


@dataclass
class _Delivery:
    """One file of a group: `number` tags its rows in the temporary tables."""

    number: int
    path: Path
    sha256: str
    rows: int = 0
    outcome: LoadResult | FeedRejected | None = None


class _Group:
    """Consecutive deliveries of one feed, checked together and written in one transaction.

    Temporary tables: `_staging` (typed rows with `_file`, `_row_number`, `_bad`) and `_problems`
    (`file`, `row_number`, `field`, `value`, `reason`); they live until the next group replaces them.
    """

    def __init__(
        self,
        store: FeedStore,
        feed: Feed,
        max_bad_share: float,
        codelist_dir: Path | None,
        on_rows: Callable[[int], None] | None,
    ):
        self.store, self.feed, self.max_bad_share, self.on_rows = store, feed, max_bad_share, on_rows
        self.con = store.connection
        self.checker = CodeChecker(feed, codelist_dir)
        self.deliveries: list[_Delivery] = []
        self.pending: list[pa.RecordBatch] = []
        self.pending_rows = self.rows = 0
        typed_columns = ", ".join(f'"{c.name}" {duckdb_type(feed, c.name)}' for c in feed.columns)
        self.con.execute(
            f"CREATE OR REPLACE TEMP TABLE _staging ({typed_columns}, _file INTEGER, _row_number BIGINT, _bad BOOLEAN)"
        )
        self.con.execute(
            "CREATE OR REPLACE TEMP TABLE _problems "
            "(file INTEGER, row_number BIGINT, field VARCHAR, value VARCHAR, reason VARCHAR)"
        )

    def takes(self, feed: Feed, sha256: str) -> bool:
        """Whether a file can join: same feed, room left, and not a copy of a file in the group
        (which must see the first copy's delivery committed, to be reported as already loaded)."""
        return (
            feed.name == self.feed.name
            and self.rows < GROUP_ROWS
            and len(self.deliveries) < GROUP_FILES
            and all(delivery.sha256 != sha256 for delivery in self.deliveries)
        )

    def add(self, path: Path, sha256: str) -> None:
        delivery = _Delivery(len(self.deliveries), path, sha256)
        self.deliveries.append(delivery)
        existing = self.con.execute(
            "SELECT delivery_id, feed, row_count, loaded_rows, quarantined_rows FROM deliveries WHERE sha256 = ?",
            [sha256],
        ).fetchone()
        if existing:
            delivery.outcome = LoadResult(path.name, existing[1], existing[0], "already loaded", *existing[2:])
            return
        try:
            for batch in read_batches(path, self.feed, dict(self.store.contracts)):
                self._stage(delivery, batch)
        except FeedRejected as error:
            # Rows staged before a late structure fault (a ragged CSV line) stay in the temporary
            # tables but are never written: only accepted files' rows are.
            delivery.outcome = error

    def _stage(self, delivery: _Delivery, batch: pa.RecordBatch) -> None:
        count = batch.num_rows
        numbers = pa.array(range(delivery.rows + 1, delivery.rows + count + 1), pa.int64())
        columns = [batch.column(name) for name in self.feed.column_names]
        self.pending.append(
            pa.RecordBatch.from_arrays(
                [*columns, pa.repeat(pa.scalar(delivery.number, pa.int32()), count), numbers],
                names=[*self.feed.column_names, "_file", "_row_number"],
            )
        )
        delivery.rows += count
        self.pending_rows += count
        self.rows += count
        if self.pending_rows >= GROUP_ROWS:
            self._flush()
        if self.on_rows:
            self.on_rows(count)

    def _flush(self) -> None:
        """Check and stage the pending batches with one query of each kind."""
        if not self.pending:
            return
        con = self.con
        con.execute("SELECT 1").fetchall()  # DuckDB 2 refuses register() while a result is unread
        con.register("_batch", pa.Table.from_batches(self.pending))
        con.register("_bad_codes", self.checker.bad_values(con, "_batch"))
        con.execute(f"INSERT INTO _problems {problems_sql(self.feed, '_batch', '_bad_codes')}")
        con.execute(f"INSERT INTO _staging SELECT *, false FROM ({typed_rows_sql(self.feed, '_batch')})")
        con.unregister("_batch")
        con.unregister("_bad_codes")
        self.pending, self.pending_rows = [], 0

    def finish(self) -> Iterator[tuple[Path, LoadResult | FeedRejected]]:
        """Decide each file, write the accepted ones in one transaction, then yield every outcome."""
        self._flush()
        _flag_repeated_keys(self.con, self.feed)
        self.con.execute(
            "UPDATE _staging AS s SET _bad = true FROM (SELECT DISTINCT file, row_number FROM _problems) AS p "
            "WHERE s._file = p.file AND s._row_number = p.row_number"
        )
        bad_rows = dict(self.con.execute("SELECT _file, count(*) FROM _staging WHERE _bad GROUP BY _file").fetchall())
        accepted = []
        for delivery in self.deliveries:
            if delivery.outcome is not None:
                continue
            bad = bad_rows.get(delivery.number, 0)
            if delivery.rows and bad / delivery.rows > self.max_bad_share:
                delivery.outcome = FeedRejected(_too_many_bad_rows(self.con, delivery, bad, self.max_bad_share))
            else:
                accepted.append((delivery, bad))
        if accepted:
            self._write(accepted)
        for delivery in self.deliveries:
            if isinstance(delivery.outcome, FeedRejected):
                record_rejection(self.store, delivery.path.name, delivery.sha256, self.feed.name, str(delivery.outcome))
            yield delivery.path, delivery.outcome

    def _write(self, accepted: list[tuple[_Delivery, int]]) -> None:
        self.con.begin()
        try:
            results = [self._insert(delivery, bad) for delivery, bad in accepted]
            _maybe_pause()
            self.con.commit()
        except BaseException:
            self.con.rollback()
            raise
        for (delivery, _), result in zip(accepted, results, strict=True):
            delivery.outcome = result
            logger.info(
                "Loaded delivery %s (%s): %d rows, %d quarantined",
                result.delivery_id,
                result.feed,
                result.loaded_rows,
                result.quarantined_rows,
            )

    def _insert(self, delivery: _Delivery, bad: int) -> LoadResult:
        con, feed = self.con, self.feed
        delivery_id = delivery.sha256[:16]
        name = delivery.path.name
        delivered_at = utc_stamp()
        superseded = _supersede(con, feed, delivery_id, delivery.number)
        columns = ", ".join(f'"{c.name}"' for c in feed.columns)
        con.execute(
            f"INSERT INTO {feed_table(feed.name)} ({columns}, _delivery_id, _file_name, _row_number, "
            f"_delivered_at, _superseded_by) SELECT {columns}, ?, ?, _row_number, ?, NULL "
            "FROM _staging WHERE _file = ? AND NOT _bad",
            [delivery_id, name, delivered_at, delivery.number],
        )
        con.execute(
            "INSERT INTO quarantine SELECT ?, ?, ?, row_number, field, value, reason FROM _problems WHERE file = ?",
            [delivery_id, feed.name, name, delivery.number],
        )
        con.execute(
            "INSERT INTO deliveries SELECT ?, ?, ?, ?, coalesce(max(sequence), 0) + 1, ?, ?, ?, ? FROM deliveries",
            [delivery_id, delivery.sha256, feed.name, name, delivered_at, delivery.rows, delivery.rows - bad, bad],
        )
        return LoadResult(name, feed.name, delivery_id, "loaded", delivery.rows, delivery.rows - bad, bad, superseded)


def _flag_repeated_keys(con, feed: Feed) -> None:
    key = ", ".join(f'"{name}"' for name in feed.key)
    con.execute(
        f"""INSERT INTO _problems
        SELECT _file, _row_number, 'source_record_id', source_record_id,
               'repeats the record key (' || {" || ', ' || ".join(f'"{n}"' for n in feed.key)}
               || ') of row ' || first_row || ' in the same file'
        FROM (SELECT *, min(_row_number) OVER (PARTITION BY _file, {key}) AS first_row FROM _staging
              WHERE {" AND ".join(f'"{n}" IS NOT NULL' for n in feed.key)})
        WHERE _row_number <> first_row"""
    )


def _supersede(con, feed: Feed, delivery_id: str, number: int) -> int:
    joins = " AND ".join(f't."{name}" = s."{name}"' for name in feed.key)
    # DuckDB reports the rows an UPDATE changed; counting current rows before and after instead
    # scanned the whole feed table twice per file, which dominated loads of many small files.
    changed = con.execute(
        f"UPDATE {feed_table(feed.name)} AS t SET _superseded_by = ? FROM _staging AS s "
        f"WHERE t._superseded_by IS NULL AND s._file = ? AND NOT s._bad AND {joins}",
        [delivery_id, number],
    ).fetchone()
    return int(changed[0]) if changed else 0


def _too_many_bad_rows(con, delivery: _Delivery, bad: int, limit: float) -> str:
    file_name, rows = delivery.path.name, delivery.rows
    examples = con.execute(
        "SELECT row_number, field, value, reason FROM _problems WHERE file = ? ORDER BY row_number, field LIMIT 3",
        [delivery.number],
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
