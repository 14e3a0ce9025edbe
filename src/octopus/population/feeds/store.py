"""The feed store: one embedded DuckDB file holding every loaded delivery.

Layout (`<data_dir>/feeds/store.duckdb`):

- `feed_<name>`: one table per feed contract — the contract's columns, typed, plus provenance
  (`_delivery_id`, `_file_name`, `_row_number`, `_delivered_at`) and `_superseded_by` (NULL
  while the row is current; the id of the delivery that replaced it otherwise). Superseded rows
  are kept: nothing already stored is lost.
- `deliveries`: one row per loaded file, keyed by the SHA-256 of its bytes (content address).
- `quarantine`: rows of loaded files that failed validation, with row number, field and reason.
- `rejections`: files refused whole, with the reason given to the sender.
- `person_demographics`: demographics for a sender's person id that no feed row carries (FHIR).
- linkage tables (`person_registry`, `source_persons`, `review_queue`, `review_decisions`,
  `link_runs`), created and owned by `octopus.population.linkage`.

Decision record: docs/decisions/0005-feed-intake-and-linkage.md.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import duckdb

from octopus.population.feeds.contract import ColumnType, Feed, load_contracts

DATA_DIR_ENV = "OCTOPUS_DATA_DIR"

PROVENANCE_COLUMNS: tuple[tuple[str, str], ...] = (
    ("_delivery_id", "VARCHAR NOT NULL"),
    ("_file_name", "VARCHAR NOT NULL"),
    ("_row_number", "BIGINT NOT NULL"),
    ("_delivered_at", "TIMESTAMP NOT NULL"),
    ("_superseded_by", "VARCHAR"),
)

_DDL = """
CREATE TABLE IF NOT EXISTS deliveries (
    delivery_id VARCHAR PRIMARY KEY,      -- first 16 hex digits of sha256
    sha256 VARCHAR NOT NULL UNIQUE,
    feed VARCHAR NOT NULL,
    file_name VARCHAR NOT NULL,
    sequence BIGINT NOT NULL,             -- load order; a later sequence supersedes an earlier one
    delivered_at TIMESTAMP NOT NULL,
    row_count BIGINT NOT NULL,
    loaded_rows BIGINT NOT NULL,
    quarantined_rows BIGINT NOT NULL
);
CREATE TABLE IF NOT EXISTS quarantine (
    delivery_id VARCHAR NOT NULL,
    feed VARCHAR NOT NULL,
    file_name VARCHAR NOT NULL,
    row_number BIGINT NOT NULL,
    field VARCHAR NOT NULL,
    value VARCHAR,
    reason VARCHAR NOT NULL
);
-- Files refused whole (structure faults, too many bad rows): kept so the people who load
-- deliveries can see what was refused and why, and chase the sender. No row values here.
CREATE TABLE IF NOT EXISTS rejections (
    file_name VARCHAR NOT NULL,
    sha256 VARCHAR,
    feed VARCHAR,                         -- NULL when the feed could not be told
    reason VARCHAR NOT NULL,
    rejected_at TIMESTAMP NOT NULL
);
-- Demographics a sender gave for one of its person ids outside any feed row: FHIR Patients
-- without an NHS number, whose events arrive in feeds that carry only source_person_id.
CREATE TABLE IF NOT EXISTS person_demographics (
    sender_code VARCHAR NOT NULL,
    source_person_id VARCHAR NOT NULL,
    nhs_number VARCHAR,
    given_name VARCHAR,
    family_name VARCHAR,
    date_of_birth DATE,
    sex VARCHAR,
    postcode VARCHAR,
    _delivered_at TIMESTAMP NOT NULL,
    PRIMARY KEY (sender_code, source_person_id)
);
"""


def default_data_dir() -> Path:
    return Path(os.environ.get(DATA_DIR_ENV) or "./var")


def duckdb_type(feed: Feed, column_name: str) -> str:
    """The DuckDB type a contract column is stored as (matching its Arrow type)."""
    column = feed.column(column_name)
    return {
        ColumnType.INTEGER: "BIGINT",
        ColumnType.DECIMAL: f"DECIMAL(18, {column.scale})",
        ColumnType.BOOLEAN: "BOOLEAN",
        ColumnType.DATE: "DATE",
        ColumnType.DATETIME: "TIMESTAMP",
    }.get(column.type, "VARCHAR")


def feed_table(feed_name: str) -> str:
    return f"feed_{feed_name}"


@dataclass
class FeedStore:
    """An open feed store. Use as a context manager, or call `close()`."""

    data_dir: Path
    connection: duckdb.DuckDBPyConnection
    contracts: Mapping[str, Feed]

    @classmethod
    def open(cls, data_dir: Path | str | None = None, *, read_only: bool = False) -> FeedStore:
        data_dir = Path(data_dir) if data_dir is not None else default_data_dir()
        path = data_dir / "feeds" / "store.duckdb"
        path.parent.mkdir(parents=True, exist_ok=True)
        connection = duckdb.connect(str(path), read_only=read_only and path.exists())
        # Two cores are shared on our machines; partner deliveries are not latency-critical.
        connection.execute("SET threads = 2")
        connection.execute("SET preserve_insertion_order = false")
        connection.execute("SET enable_progress_bar = false")
        store = cls(data_dir=data_dir, connection=connection, contracts=load_contracts())
        if not read_only:
            store._create_tables()
        return store

    @property
    def path(self) -> Path:
        return self.data_dir / "feeds" / "store.duckdb"

    def _create_tables(self) -> None:
        con = self.connection
        con.execute(_DDL)
        for feed in self.contracts.values():
            columns = [f'"{c.name}" {duckdb_type(feed, c.name)}' for c in feed.columns]
            columns += [f"{name} {kind}" for name, kind in PROVENANCE_COLUMNS]
            con.execute(f"CREATE TABLE IF NOT EXISTS {feed_table(feed.name)} ({', '.join(columns)})")

    def feed(self, name: str) -> Feed:
        try:
            return self.contracts[name]
        except KeyError:
            raise KeyError(f"'{name}' is not a feed; feeds are {', '.join(sorted(self.contracts))}") from None

    def current_rows_sql(self, feed_name: str) -> str:
        """SQL for the feed's current rows: the latest delivery of each record key."""
        return f"SELECT * FROM {feed_table(feed_name)} WHERE _superseded_by IS NULL"

    def close(self) -> None:
        self.connection.close()

    def __enter__(self) -> FeedStore:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()
