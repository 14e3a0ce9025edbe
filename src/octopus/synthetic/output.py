"""Writing feed files (CSV or Parquet, exactly the contract's Arrow schema) and truth files."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

from octopus.population.feeds.contract import ColumnType, Feed

TRUTH_FLAGS = ("nhs_number_missing", "name_altered", "dob_swapped", "postcode_variant", "duplicated", "late", "malformed")


def to_table(feed: Feed, frame: pd.DataFrame) -> pa.Table:
    arrays = []
    for column in feed.columns:
        values = frame[column.name].to_numpy() if column.name in frame else np.full(len(frame), None, dtype=object)
        kind = column.type
        if kind is ColumnType.DATE:
            values = values.astype("datetime64[D]")
            array = pa.array(values, type=pa.date32(), mask=np.isnat(values))
        elif kind is ColumnType.DATETIME:
            values = values.astype("datetime64[us]")
            array = pa.array(values, type=pa.timestamp("us"), mask=np.isnat(values))
        elif kind is ColumnType.DECIMAL:
            floats = values.astype(np.float64)
            array = pa.array(np.round(floats, column.scale), mask=np.isnan(floats)).cast(column.arrow_type())
        elif kind is ColumnType.INTEGER:
            ints = values.astype(np.int64)
            array = pa.array(ints, mask=ints < 0)
        elif kind is ColumnType.BOOLEAN:
            array = pa.array(values.astype(bool))
        else:
            array = pa.array(values, type=pa.string(), from_pandas=True)
        arrays.append(array)
    return pa.Table.from_arrays(arrays, schema=feed.arrow_schema())


class FeedWriter:
    """Appends rows to `<feed>__<sender>__<YYYYMMDD>.<ext>` files, one per delivery."""

    def __init__(self, directory: Path, fmt: str):
        self.directory = directory
        self.fmt = fmt
        self.parquet: dict[Path, pq.ParquetWriter] = {}
        self.rows: dict[str, int] = {}
        directory.mkdir(parents=True, exist_ok=True)

    def write(self, feed: Feed, frame: pd.DataFrame, delivery: str) -> None:
        if frame.empty:
            return
        self.rows[feed.name] = self.rows.get(feed.name, 0) + len(frame)
        for sender, rows in frame.groupby("sender_code", sort=True):
            safe = "".join(ch if ch.isalnum() or ch == "-" else "_" for ch in str(sender))
            path = self.directory / f"{feed.name}__{safe}__{delivery}.{self.fmt}"
            table = to_table(feed, rows)
            if self.fmt == "parquet":
                writer = self.parquet.get(path)
                if writer is None:
                    writer = self.parquet[path] = pq.ParquetWriter(path, table.schema, compression="zstd")
                writer.write_table(table)
            else:
                # The contract spells datetimes YYYY-MM-DD HH:MM:SS: drop Arrow's microseconds.
                for i, field in enumerate(table.schema):
                    if pa.types.is_timestamp(field.type):
                        table = table.set_column(i, field.name, table.column(i).cast(pa.timestamp("s")))
                exists = path.exists()
                with path.open("ab") as handle:
                    pacsv.write_csv(table, handle, pacsv.WriteOptions(include_header=not exists, quoting_style="needed"))

    def close(self) -> None:
        for writer in self.parquet.values():
            writer.close()
        self.parquet.clear()


class TruthWriter:
    def __init__(self, directory: Path):
        directory.mkdir(parents=True, exist_ok=True)
        self.directory = directory
        self.writers: dict[str, pq.ParquetWriter] = {}

    def write(self, name: str, frame: pd.DataFrame) -> None:
        table = pa.Table.from_pandas(frame, preserve_index=False)
        writer = self.writers.get(name)
        if writer is None:
            writer = self.writers[name] = pq.ParquetWriter(self.directory / f"{name}.parquet", table.schema, compression="zstd")
        writer.write_table(table.cast(writer.schema))

    def close(self) -> None:
        for writer in self.writers.values():
            writer.close()
