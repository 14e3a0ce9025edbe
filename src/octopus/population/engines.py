"""Connections to the engines that run the pipeline's Ibis table code.

DuckDB is embedded and the default. PySpark runs the same expressions when a population
outgrows one machine; locally it starts a ``local[2]`` session (about 10 s) whose warehouse
and Derby metastore live in a temporary folder, so nothing is written to the working directory.

Local sessions are tuned for many small queries over a big plan (the feature expression joins a
dozen aggregates): few shuffle partitions, and no whole-stage code generation, whose Java
compilation costs more than it saves below a few million rows. Environment variables
``OCTOPUS_SPARK_MASTER``, ``OCTOPUS_SPARK_DRIVER_MEMORY``, ``OCTOPUS_SPARK_SHUFFLE_PARTITIONS``
and ``OCTOPUS_SPARK_CODEGEN`` (``true`` for large populations) override the defaults.
"""

from __future__ import annotations

import atexit
import os
import shutil
import tempfile
from typing import TYPE_CHECKING, Literal

import ibis
from ibis.backends import BaseBackend

if TYPE_CHECKING:
    import numpy as np
    import pyarrow as pa

Engine = Literal["duckdb", "spark"]
ENGINES: tuple[str, ...] = ("duckdb", "spark")

_spark_session = None

# The optimizer that picks each hash join's build side from estimated sizes. Our queries put the
# smaller table on a join's right, the side DuckDB builds on when this is off: the feature query
# left-joins small per-person aggregates onto the residents, and DuckDB, which estimates an
# aggregate's rows from its input's and the residents' after their filters, turned the larger
# parts' joins round and built on the residents' ever wider rows (decision 0077). Off for the
# whole database: the setting is global to DuckDB, so a second connection shares it.
JOINS_AS_WRITTEN = "build_side_probe_side"


class UnknownEngine(ValueError):
    pass


def connect(engine: str = "duckdb") -> BaseBackend:
    if engine == "duckdb":
        con = ibis.duckdb.connect(**duckdb_config())
        # The pipeline shows its own progress per step; DuckDB's bar would draw over it.
        con.raw_sql("SET enable_progress_bar = false")
        con.raw_sql(f"SET disabled_optimizers = '{JOINS_AS_WRITTEN}'")
        return con
    if engine == "spark":
        return ibis.pyspark.connect(spark_session())
    raise UnknownEngine(f"Unknown engine {engine!r}: choose one of {', '.join(ENGINES)}.")


def second_connection(con: BaseBackend) -> BaseBackend | None:
    """Another connection to the same DuckDB database, for a query run at the same time from
    another thread (DuckDB's cursors are its way to do so: they share the database's threads
    and memory limit). None on Spark, whose one session plans its own parallel work. Tables and
    views made on ``con`` are not visible from it: read what it needs on it again."""
    if con.name != "duckdb":
        return None
    second = ibis.duckdb.from_connection(con.con.cursor())
    second.raw_sql("SET enable_progress_bar = false")
    return second


def duckdb_config() -> dict[str, str]:
    """Memory limit and spill folder for DuckDB.

    DuckDB's own default limit is 80% of the machine, and it keeps what it takes: at 9M residents
    its hash tables for one feature build reached 16 GB. The pipeline holds batches and a
    training sample in Python beside it, so DuckDB gets 40% (``OCTOPUS_DUCKDB_MEMORY_LIMIT``,
    e.g. ``8GB``, overrides) and spills joins and aggregates beyond that to a temporary folder.
    """
    limit = os.environ.get("OCTOPUS_DUCKDB_MEMORY_LIMIT")
    if not limit:
        physical = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
        limit = f"{max(1, int(physical * 0.4 / 2**30))}GiB"
    scratch = tempfile.mkdtemp(prefix="octopus-duckdb-")
    atexit.register(shutil.rmtree, scratch, ignore_errors=True)
    return {"memory_limit": limit, "temp_directory": scratch}


def spark_session(master: str | None = None):
    """One SparkSession per process, shared by every pipeline run and test."""
    global _spark_session
    if _spark_session is not None:
        return _spark_session
    from pyspark.sql import SparkSession

    master = master or os.environ.get("OCTOPUS_SPARK_MASTER", "local[2]")
    memory = os.environ.get("OCTOPUS_SPARK_DRIVER_MEMORY", "1g")
    partitions = os.environ.get("OCTOPUS_SPARK_SHUFFLE_PARTITIONS", "2")
    codegen = os.environ.get("OCTOPUS_SPARK_CODEGEN", "false")

    scratch = tempfile.mkdtemp(prefix="octopus-spark-")
    atexit.register(shutil.rmtree, scratch, ignore_errors=True)
    _spark_session = (
        SparkSession.builder.master(master)
        .appName("octopus-population")
        .config("spark.sql.warehouse.dir", f"{scratch}/warehouse")
        .config("spark.driver.extraJavaOptions", f"-Dderby.system.home={scratch}/derby")
        .config("spark.local.dir", f"{scratch}/local")
        .config("spark.driver.memory", memory)
        # Small local populations: a few partitions beat the default 200.
        .config("spark.sql.shuffle.partitions", partitions)
        .config("spark.sql.codegen.wholeStage", codegen)
        .config("spark.sql.execution.arrow.pyspark.enabled", "true")
        .config("spark.ui.enabled", "false")
        .config("spark.ui.showConsoleProgress", "false")
        # Feeds carry naive London wall-clock timestamps (decision 0002): keep them as sent.
        .config("spark.sql.session.timeZone", "UTC")
        .getOrCreate()
    )
    _spark_session.sparkContext.setLogLevel("ERROR")
    # py4j logs "Closing down clientserver connection" at interpreter exit, after pytest or a
    # CLI has closed the stream the handler writes to ("I/O operation on closed file").
    import logging

    logging.getLogger("py4j").setLevel(logging.WARNING)
    return _spark_session


def execute(con: BaseBackend, expression: ibis.Table, *, sort_by: str | None = None):
    """Run an expression and return pandas with nullable integers, identically on each engine.

    ``sort_by`` orders the result by one column after it leaves the engine (see
    ``features.build_features``), so the same rows come back in the same order everywhere.
    """
    arrow = con.to_pyarrow(expression)
    if sort_by is not None:
        arrow = sorted_by(arrow, sort_by)
    return to_pandas(arrow)


def to_pandas(arrow):
    """Arrow (a table or a record batch) as pandas, integers as nullable Int64 on every engine."""
    import pandas as pd
    import pyarrow as pa

    mapping = {pa.int64(): pd.Int64Dtype(), pa.int32(): pd.Int64Dtype()}
    # split_blocks: pandas would otherwise copy the ~30 flag columns into one 2-D block; the
    # values and dtypes are the same either way.
    return arrow.to_pandas(types_mapper=mapping.get, split_blocks=True)


def write_parquet(con: BaseBackend, expression: ibis.Table, path) -> int:
    """Run an expression into one Parquet file without holding its rows in Python; returns rows.

    DuckDB writes with ``COPY ... TO`` (streamed, in parallel, spilling to disk under its memory
    limit). Spark's own writer makes a folder of parts, so its rows come back through Arrow
    batches into one file instead: the files every later step reads look the same on each engine.
    """
    import pyarrow.parquet as pq

    if con.name == "duckdb":
        con.to_parquet(expression, str(path))
        return pq.ParquetFile(path).metadata.num_rows
    rows = 0
    reader = con.to_pyarrow_batches(expression)
    with pq.ParquetWriter(path, reader.schema) as writer:
        for batch in reader:
            writer.write_batch(batch)
            rows += batch.num_rows
    return rows


def arrow_batches(paths, *, rows: int = 250_000, columns: list[str] | None = None):
    """Parquet files' rows, in order, as Arrow record batches of at most ``rows`` rows."""
    import pyarrow.parquet as pq

    for path in [paths] if isinstance(paths, str | os.PathLike) else paths:
        yield from pq.ParquetFile(path).iter_batches(batch_size=rows, columns=columns)


def parquet_batches(paths, *, rows: int = 250_000, columns: list[str] | None = None):
    """Parquet files' rows, in order, as pandas frames of at most ``rows`` rows."""
    for batch in arrow_batches(paths, rows=rows, columns=columns):
        yield to_pandas(batch)


def arrow_text(values) -> pa.Array:
    """A pandas text column as an Arrow string array (pandas keeps text in Arrow already, so
    the buffers are handed over rather than each string copied)."""
    import pyarrow as pa

    return pa.array(values, type=pa.string(), from_pandas=True)


def id_positions(ids, among) -> np.ndarray:
    """Where each of ``ids`` is in ``among`` (unique ids), -1 where absent, by Arrow's hash
    lookup: mapping a million text ids through a pandas index took about a second."""
    import pyarrow.compute as pc

    found = pc.index_in(arrow_text(ids), value_set=arrow_text(among))
    return found.fill_null(-1).to_numpy(zero_copy_only=False)


def parts_for(con: BaseBackend, residents: int) -> int:
    """How many parts to build a population's features in (see ``LinkedExtract.part``).

    DuckDB on one machine: one part per ``OCTOPUS_DUCKDB_PART_RESIDENTS`` residents (default
    2,000,000). At 9M residents a single feature query needed more than its 9 GiB limit; in
    parts of 2M each query's joins and aggregates fit, for the cost of reading the inputs once
    per part. Spark plans its own partitions: always one.
    """
    if con.name != "duckdb":
        return 1
    per_part = int(os.environ.get("OCTOPUS_DUCKDB_PART_RESIDENTS", "2000000"))
    return max(1, -(-residents // per_part))


def sorted_by(arrow, key: str):
    """The Arrow table in ascending order of one key column.

    Sorting the key column and taking the rows is ~3x faster than ``Table.sort_by``, whose
    table sorter is built for several keys.
    """
    import pyarrow.compute as pc

    return arrow.take(pc.sort_indices(arrow[key]))


def table_from_frame(con: BaseBackend, frame, name: str) -> ibis.Table:
    """A pandas frame as a table on the engine, through a Parquet file in a temporary folder.

    Parquet, not ``ibis.memtable``: Spark's pandas conversion turns nullable integers into NaN
    and loses rows' nulls, while Parquet carries the same types and nulls to every engine.
    """
    import uuid

    import pyarrow as pa
    import pyarrow.parquet as pq

    scratch = tempfile.mkdtemp(prefix="octopus-frame-")
    atexit.register(shutil.rmtree, scratch, ignore_errors=True)
    path = f"{scratch}/{name}.parquet"
    pq.write_table(pa.Table.from_pandas(frame, preserve_index=False), path)
    return con.read_parquet(path, table_name=f"{name}_{uuid.uuid4().hex[:8]}")
