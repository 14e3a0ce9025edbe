"""Writing feed files (CSV or Parquet, exactly the contract's Arrow schema) and truth files.

Rows are sorted by sender once per feed and chunk, then each sender's slice is buffered; buffers
are written when they pass a memory budget and at the end, so a sender's file gets a few large
row groups (or CSV appends) rather than one small write per chunk.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

from octopus.population.feeds.contract import ColumnType, Feed
from octopus.synthetic.rows import Coded, FeedRows, Numbered

# Buffered feed rows (Arrow bytes) before everything is flushed to disk.
BUFFER_BYTES = 384 * 2**20
# Parquet encoding is most of the generator's time. Dictionary-encode only the columns with few
# distinct values, and keep min/max statistics only for non-text columns (dates, numbers): string
# statistics and failed dictionary attempts on near-unique ids cost more than they give.
# Files are encoded on two threads (Arrow releases the GIL while it encodes).
HIGH_CARDINALITY = frozenset(
    {"source_record_id", "source_person_id", "nhs_number", "postcode", "address_line", "phone", "email"}
)
WRITER_THREADS = 2


def parquet_options(schema: pa.Schema) -> dict:
    text = [f.name for f in schema if pa.types.is_string(f.type)]
    return {
        "compression": "zstd",
        "use_dictionary": [name for name in text if name not in HIGH_CARDINALITY],
        "write_statistics": [f.name for f in schema if not pa.types.is_string(f.type)],
    }


def to_array(column, values, n: int) -> pa.Array:
    """One contract column as an Arrow array of the contract's type."""
    kind = column.type
    if values is None:
        return pa.nulls(n, type=column.arrow_type())
    if isinstance(values, Coded | Numbered):
        return values.to_arrow()
    if isinstance(values, pa.Array | pa.ChunkedArray):
        return values
    if kind is ColumnType.DATE:
        values = values.astype("datetime64[D]")
        return pa.array(values, type=pa.date32(), mask=np.isnat(values))
    if kind is ColumnType.DATETIME:
        values = values.astype("datetime64[us]")
        return pa.array(values, type=pa.timestamp("us"), mask=np.isnat(values))
    if kind is ColumnType.DECIMAL:
        floats = values.astype(np.float64)
        return pa.array(np.round(floats, column.scale), mask=np.isnan(floats)).cast(column.arrow_type())
    if kind is ColumnType.INTEGER:
        ints = values.astype(np.int64)
        return pa.array(ints, mask=ints < 0)
    if kind is ColumnType.BOOLEAN:
        return pa.array(values.astype(bool))
    return pa.array(values, type=pa.string(), from_pandas=True)


def to_table(feed: Feed, feed_rows: FeedRows) -> pa.Table:
    n = len(feed_rows)
    arrays = [to_array(column, feed_rows.columns.get(column.name), n) for column in feed.columns]
    return pa.Table.from_arrays(arrays, schema=feed.arrow_schema())


def _csv_ready(table: pa.Table, unparseable: np.ndarray | None, date_column: str | None) -> pa.Table:
    # The contract spells datetimes YYYY-MM-DD HH:MM:SS: drop Arrow's microseconds.
    for i, field in enumerate(table.schema):
        if pa.types.is_timestamp(field.type):
            table = table.set_column(i, field.name, table.column(i).cast(pa.timestamp("s")))
    if unparseable is not None and unparseable.any() and date_column:
        from octopus.synthetic.imperfections import UNPARSEABLE_DATE

        i = table.schema.get_field_index(date_column)
        text = pc.cast(table.column(i), pa.string())
        table = table.set_column(
            i, pa.field(date_column, pa.string()), pc.if_else(pa.array(unparseable), UNPARSEABLE_DATE, text)
        )
    return table


class FeedWriter:
    """Writes `<feed>__<sender>__<YYYYMMDD>.<ext>` files, one per sender and delivery."""

    def __init__(self, directory: Path, fmt: str, buffer_bytes: int = BUFFER_BYTES):
        self.directory = directory
        self.fmt = fmt
        self.buffer_bytes = buffer_bytes
        self.parquet: dict[Path, pq.ParquetWriter] = {}
        self.pending: dict[Path, list[pa.Table]] = {}
        self.pending_bytes = 0
        self.rows: dict[str, int] = {}
        self.csv_started: set[Path] = set()
        directory.mkdir(parents=True, exist_ok=True)

    def path(self, feed: Feed, sender: str, delivery: str) -> Path:
        safe = "".join(ch if ch.isalnum() or ch == "-" else "_" for ch in sender)
        return self.directory / f"{feed.name}__{safe}__{delivery}.{self.fmt}"

    def write(self, feed: Feed, feed_rows: FeedRows, delivery: str, unparseable: np.ndarray | None = None) -> None:
        """Buffer rows for their senders' files; grouping is one stable sort by sender."""
        n = len(feed_rows)
        if n == 0:
            return
        self.rows[feed.name] = self.rows.get(feed.name, 0) + n
        order = np.argsort(feed_rows.sender, kind="stable")
        ordered = feed_rows.take(order)
        table = to_table(feed, ordered)
        if self.fmt == "csv":
            table = _csv_ready(table, None if unparseable is None else unparseable[order], feed.event_date)
        counts = np.bincount(ordered.sender, minlength=len(feed_rows.senders))
        start = 0
        for sender, count in zip(feed_rows.senders, counts.tolist(), strict=True):
            if count:
                piece = table.slice(start, count)
                self.pending.setdefault(self.path(feed, sender, delivery), []).append(piece)
                self.pending_bytes += piece.nbytes
                start += count
        if self.pending_bytes > self.buffer_bytes:
            self.flush()

    def flush(self) -> None:
        for path in self.pending:
            if self.fmt == "parquet" and path not in self.parquet:
                schema = self.pending[path][0].schema
                self.parquet[path] = pq.ParquetWriter(path, schema, **parquet_options(schema))
        with ThreadPoolExecutor(WRITER_THREADS) as pool:
            list(pool.map(self._flush_one, self.pending.items()))
        self.pending.clear()
        self.pending_bytes = 0

    def _flush_one(self, item: tuple[Path, list[pa.Table]]) -> None:
        path, pieces = item
        if self.fmt == "parquet":
            self.parquet[path].write_table(pa.concat_tables(pieces))
            return
        # A malformed date turns one piece's date column into text: write each piece.
        with path.open("ab") as handle:
            for piece in pieces:
                header = path not in self.csv_started
                self.csv_started.add(path)
                pacsv.write_csv(piece, handle, pacsv.WriteOptions(include_header=header, quoting_style="needed"))

    def close(self) -> None:
        self.flush()
        for writer in self.parquet.values():
            writer.close()
        self.parquet.clear()


class TruthWriter:
    """Ground truth the pipeline never reads: one Parquet file per kind, a row group per chunk."""

    def __init__(self, directory: Path):
        directory.mkdir(parents=True, exist_ok=True)
        self.directory = directory
        self.writers: dict[str, pq.ParquetWriter] = {}

    def write(self, name: str, table: pa.Table) -> None:
        writer = self.writers.get(name)
        if writer is None:
            writer = self.writers[name] = pq.ParquetWriter(
                self.directory / f"{name}.parquet", table.schema, **parquet_options(table.schema)
            )
        writer.write_table(table.cast(writer.schema))

    def close(self) -> None:
        for writer in self.writers.values():
            writer.close()
