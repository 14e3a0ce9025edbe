"""Fast batched writes for publishing a whole population.

Django's ``bulk_create``/``bulk_update`` stay under SQLite's 999-parameter limit by sending a
few dozen rows per statement and, for updates, build a CASE per field and row; for 20,000
residents and a quarter of a million timeline events that is minutes. Here each batch is one
``executemany`` of a plain parameterised statement, and values go through each field's own
``get_db_prep_save`` (time zones, JSON), so SQLite and PostgreSQL store exactly what the ORM would.

On PostgreSQL, inside ``staged()``, the same calls COPY their rows into temporary staging tables
instead, and the live tables change only when the block ends, in one transaction of set-based
statements (decision 0057): readers see the whole change or none of it, and the slow part (reading
Parquet, building rows, sending them) holds no lock on any table a page reads.
"""

import contextvars
import io
import itertools
import json
import logging
import tempfile
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
from django.db import (
    DEFAULT_DB_ALIAS,
    DataError,
    IntegrityError,
    OperationalError,
    ProgrammingError,
    connection,
    connections,
    transaction,
)
from django.db.models import JSONField

# Each chunk commits on its own when no transaction encloses it (decision 0024): on SQLite a write
# transaction locks out every other writer, and every page view writes an audit entry, so a
# publish must never hold the lock for longer than one chunk.
CHUNK = 5000

log = logging.getLogger(__name__)

_staging: contextvars.ContextVar["Staging | None"] = contextvars.ContextVar("octopus_bulk_staging", default=None)


# Django's own field types whose database value is the Python value itself, for these types:
# for them the per-value ``get_db_prep_save`` call (millions of them in a London publish) is skipped.
_PLAIN = {
    "CharField": (str,),
    "TextField": (str,),
    "BooleanField": (bool,),
    "FloatField": (float,),
    **dict.fromkeys(
        (
            "IntegerField",
            "BigIntegerField",
            "SmallIntegerField",
            "PositiveIntegerField",
            "PositiveSmallIntegerField",
            "AutoField",
            "BigAutoField",
            "ForeignKey",
        ),
        (int,),
    ),
}


def _preparer(field, database):
    """``field.get_db_prep_save`` with the connection resolved once (through Django's connection
    proxy it cost more than the conversion), skipped where the value is already what is stored."""
    prep = field.get_db_prep_save
    if type(field) is JSONField and field.encoder is None:
        adapt = database.ops.adapt_json_value
        return lambda value: None if value is None else adapt(value, None)
    kinds = _PLAIN.get(field.get_internal_type())
    if kinds is None or not type(field).__module__.startswith("django."):
        return lambda value: prep(value, database)
    kinds = (*kinds, type(None))
    return lambda value: value if type(value) in kinds else prep(value, database)


def _prepared(model, fields: Sequence[str], rows: Iterable[Sequence], constants: dict | None = None) -> Iterator[tuple]:
    """Rows as the database stores them; ``constants`` (field -> one value for every row) are
    converted once and appended to each row, after ``fields``."""
    database = connections[DEFAULT_DB_ALIAS]
    prep = [_preparer(model._meta.get_field(name), database) for name in fields]
    tail = tuple(_preparer(model._meta.get_field(name), database)(value) for name, value in (constants or {}).items())
    return (tuple(p(v) for p, v in zip(prep, row, strict=True)) + tail for row in rows)


def _columns(model, fields: Sequence[str]) -> list[str]:
    return [connection.ops.quote_name(model._meta.get_field(name).column) for name in fields]


def _table(model) -> str:
    return connection.ops.quote_name(model._meta.db_table)


def _execute(sql: str, rows: Iterable[tuple]) -> None:
    rows = iter(rows)
    while chunk := list(itertools.islice(rows, CHUNK)):
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.executemany(sql, chunk)


def insert(model, fields: Sequence[str], rows: Iterable[Sequence]) -> None:
    if (staging := _staging.get()) is not None:
        staging.add("insert", model, fields, None, (), rows)
        return
    columns = _columns(model, fields)
    sql = f"INSERT INTO {_table(model)} ({', '.join(columns)}) VALUES ({', '.join(['%s'] * len(columns))})"
    _execute(sql, _prepared(model, fields, rows))


def insert_batches(
    model,
    fields: Sequence[str],
    batches: Iterable[pa.RecordBatch],
    constants: dict | None = None,
) -> None:
    """``insert`` for rows given as Arrow record batches (columns in ``fields`` order; a JSON field as
    JSON text); ``constants`` (field -> one value for every row) follow ``fields``. Staged on
    PostgreSQL as CSV without a Python object per row; elsewhere inserted as ``insert`` would.

    The rows go in in the order given (a staging table is read back in the order it was written):
    given in the order of the table's busiest index, the index grows page after page instead of at
    random pages (9.6M timeline events went in in 39 s instead of 59 s)."""
    constants = constants or {}
    if (staging := _staging.get()) is not None:
        staging.add_later(model, [*fields, *constants], batches, constants)
        return
    insert(model, [*fields, *constants], (row + tuple(constants.values()) for row in _rows(model, fields, batches)))


def after_switch(close: Callable[[], None]) -> None:
    """Run ``close`` once the staged block has ended (switched or failed); at once when nothing is
    staged. What makes the batches given to ``insert_batches`` (a DuckDB connection) is closed
    with it: inside ``staged()`` those batches are read in the switch (``Staging.add_later``)."""
    if (staging := _staging.get()) is not None:
        staging.closing.append(close)
    else:
        close()


def upsert_batches(
    model,
    fields: Sequence[str],
    key: str,
    update_fields: Sequence[str],
    batches: Iterable[pa.RecordBatch],
    constants: dict | None = None,
) -> None:
    """``upsert`` for rows given as Arrow record batches, as ``insert_batches``."""
    if (staging := _staging.get()) is not None:
        staging.add_batches("upsert", model, [*fields, *(constants or {})], key, update_fields, batches, constants)
        return
    upsert(model, fields, key, update_fields, _rows(model, fields, batches), constants)


def update_batches(
    model,
    fields: Sequence[str],
    key: str,
    batches: Iterable[pa.RecordBatch],
    progress: Callable[[int], None] = lambda rows: None,
) -> None:
    """``update`` for rows given as Arrow record batches (``fields``, then ``key``), as ``insert_batches``.
    ``progress`` is told each batch's rows once they are written, on the caller's thread, with the
    database connection free (it may write to the database: the pipeline page's job row)."""
    if (staging := _staging.get()) is not None:
        staging.add_batches("update", model, [*fields, key], key, fields, batches, progress=progress)
        return
    for batch in batches:
        update(model, fields, key, _rows(model, [*fields, key], [batch]))
        progress(batch.num_rows)


def _rows(model, fields: Sequence[str], batches: Iterable[pa.RecordBatch]) -> Iterator[tuple]:
    """Record batches as rows of Python values, JSON text parsed for the field to store."""
    json_text = [i for i, name in enumerate(fields) if isinstance(model._meta.get_field(name), JSONField)]
    for batch in batches:
        columns = [column.to_pylist() for column in batch.columns]
        for i in json_text:
            columns[i] = [None if text is None else json.loads(text) for text in columns[i]]
        yield from zip(*columns, strict=True)


def update(model, fields: Sequence[str], key: str, rows: Iterable[Sequence]) -> None:
    """Each row is the values of ``fields`` followed by the value of ``key``."""
    if (staging := _staging.get()) is not None:
        staging.add("update", model, [*fields, key], key, fields, rows)
        return
    columns = _columns(model, fields)
    sql = f"UPDATE {_table(model)} SET {', '.join(f'{c} = %s' for c in columns)} WHERE {_columns(model, [key])[0]} = %s"
    _execute(sql, _prepared(model, [*fields, key], rows))


def upsert(
    model,
    fields: Sequence[str],
    key: str,
    update_fields: Sequence[str],
    rows: Iterable[Sequence],
    constants: dict | None = None,
) -> None:
    """INSERT … ON CONFLICT (key) DO UPDATE: the same statement on SQLite (3.24+) and PostgreSQL.
    ``constants`` (field -> value) go into every inserted row, converted once."""
    every = [*fields, *(constants or {})]
    if (staging := _staging.get()) is not None:
        staging.add("upsert", model, every, key, update_fields, rows, constants)
        return
    columns = _columns(model, every)
    updates = ", ".join(f"{c} = excluded.{c}" for c in _columns(model, update_fields))
    sql = (
        f"INSERT INTO {_table(model)} ({', '.join(columns)}) VALUES ({', '.join(['%s'] * len(columns))}) "
        f"ON CONFLICT ({_columns(model, [key])[0]}) DO UPDATE SET {updates}"
    )
    _execute(sql, _prepared(model, fields, rows, constants))


def delete(model, key: str, values: Iterable) -> None:
    """Delete the rows whose ``key`` is one of ``values`` (no cascade: for tables nothing refers to)."""
    if (staging := _staging.get()) is not None:
        staging.add("delete", model, [key], key, (), ([value] for value in values))
        return
    sql = f"DELETE FROM {_table(model)} WHERE {_columns(model, [key])[0]} = %s"
    _execute(sql, _prepared(model, [key], ([value] for value in values)))


def select_table(queryset, fields: Sequence[str], schema: pa.Schema) -> pa.Table:
    """The queryset's ``fields`` (``values_list``) as an Arrow table of ``schema``: on PostgreSQL one
    COPY of the query's CSV, spooled to a temporary file and parsed by Arrow (a London timeline feed
    is millions of rows: as Python tuples the stored events of a 1M-resident publish took 6 GB);
    elsewhere through the ORM."""
    values = queryset.values_list(*fields)
    if connection.vendor == "postgresql":
        sql, params = values.query.sql_with_params()
        with tempfile.TemporaryFile() as spool, connection.cursor() as cursor:
            with cursor.cursor.copy(f"COPY ({sql}) TO STDOUT (FORMAT csv)", params) as copy:
                for chunk in copy:
                    spool.write(chunk)
            if not spool.tell():
                return schema.empty_table()
            spool.seek(0)
            return pacsv.read_csv(
                spool,
                read_options=pacsv.ReadOptions(column_names=schema.names),
                parse_options=pacsv.ParseOptions(newlines_in_values=True),
                convert_options=pacsv.ConvertOptions(column_types=schema, quoted_strings_can_be_null=False),
            )
    columns = list(zip(*values.iterator(chunk_size=5000), strict=True)) or [()] * len(schema)
    return pa.Table.from_arrays([pa.array(v, f.type) for v, f in zip(columns, schema, strict=True)], schema=schema)


def allocate_ids(model, count: int) -> Sequence[int] | None:
    """Primary keys for ``count`` new rows, taken from the table's sequence (PostgreSQL), so rows
    staged now can be referred to before they exist; None on SQLite, which assigns them on insert.

    Usually one unbroken run of numbers, returned as a ``range`` without sending each number
    (1.3M keys for a 1M first publish took ~4 s as rows); the numbers themselves only when another
    session took some of the sequence meanwhile, or it does not count in ones."""
    if connection.vendor != "postgresql":
        return None
    if count == 0:
        return []
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT min(id), max(id), CASE WHEN max(id) - min(id) + 1 <> count(*) THEN array_agg(id ORDER BY id) END "
            "FROM (SELECT nextval(pg_get_serial_sequence(%s, %s)) AS id FROM generate_series(1, %s)) AS taken",
            [model._meta.db_table, model._meta.pk.column, count],
        )
        first, last, scattered = cursor.fetchone()
    return range(first, last + 1) if scattered is None else scattered


def _constant(field, value):
    """One value for every row of a CSV COPY: as the database stores it, JSON as its text."""
    if isinstance(field, JSONField):
        return None if value is None else json.dumps(value, cls=field.encoder)
    return _preparer(field, connections[DEFAULT_DB_ALIAS])(value)


class Staging:
    """Rows COPYed into temporary tables (one per kind of write), applied in the order first seen.

    Temporary tables belong to the session, so a publish killed part-way leaves nothing behind
    and nothing changed in the live tables.
    """

    def __init__(self):
        self.steps: dict[tuple, tuple[str, str]] = {}  # signature -> (staging table, merge SQL)
        self.folds: list[str] = []  # statements run on the staging tables before the switch
        self.unchecked: dict[str, list] = {}  # staging table -> its keys the database does not check
        self.ahead: dict[tuple, list[tuple]] = {}  # upsert -> updates folded into it that run before it
        # signature -> [(model, fields, record batches, constants)]: new rows COPYed into the live
        # table in the switch itself, not staged first (``add_later``)
        self.later: dict[tuple, list[tuple]] = {}
        self.closing: list[Callable[[], None]] = []  # after the block (``after_switch``)
        self.keys: list[str] = []  # tables of the keys the later rows refer to, for the checks
        self.rows = 0

    def add(
        self,
        kind: str,
        model,
        fields: Sequence[str],
        key: str | None,
        changed: Sequence[str],
        rows: Iterable[Sequence],
        constants: dict | None = None,
    ) -> None:
        name = self._step(kind, model, fields, key, changed)
        with (
            connection.cursor() as cursor,
            cursor.cursor.copy(f"COPY {name} ({', '.join(_columns(model, fields))}) FROM STDIN") as copy,
        ):
            given = fields[: len(fields) - len(constants or {})]
            for row in _prepared(model, given, rows, constants):
                copy.write_row(row)
                self.rows += 1

    def add_batches(
        self,
        kind: str,
        model,
        fields: Sequence[str],
        key: str | None,
        changed: Sequence[str],
        batches: Iterable[pa.RecordBatch],
        constants: dict | None = None,
        progress: Callable[[int], None] = lambda rows: None,
    ) -> None:
        """``add`` for rows as Arrow record batches: each is written as CSV by Arrow and COPYed, with
        no Python object made per row (at 1M residents the timeline is 9.6M rows).

        The next batch is read and written as CSV on a helper thread while PostgreSQL takes in
        this one, so the two cores work at once (at 1M residents the timeline's staging took
        ~18 s with one waiting for the other). Whatever makes the batches therefore runs on that
        thread and must not use the database. ``progress`` is told each batch's rows after its
        COPY, on this thread, with the connection free."""
        name = self._step(kind, model, fields, key, changed)

        def copied(rows: int) -> None:
            self.rows += rows
            progress(rows)

        _copy_batches(name, model, fields, batches, constants, copied)

    def add_later(
        self, model, fields: Sequence[str], batches: Iterable[pa.RecordBatch], constants: dict | None = None
    ) -> None:
        """New rows (an insert) COPYed straight into the live table inside the switch, in their
        turn among the staged writes, instead of COPYed into a staging table now and copied again.

        At 1M residents this made staging 13 s shorter and the switch 8 s longer (PostgreSQL now
        parses the 9.6M events' CSV there: 34.6 s against 23.6 s from staging, the check of their
        residents 2.6 s shorter), the publish 0.95 of its time (decision 0080). Readers see the
        rows no sooner: they are uncommitted until the switch commits, as the staged ones were.
        The rows are made already (the batches read them, sorted, from DuckDB); their maker must
        stay open until the block ends (``after_switch``). The keys they refer to without a
        database constraint are collected as they are sent and checked once, like a staging
        table's (decision 0070)."""
        table = model._meta.db_table
        signature = ("copy", table, tuple(fields), None, ())
        if signature not in self.steps:
            self.steps[signature] = ("", f"COPY {_table(model)}")
        self.later.setdefault(signature, []).append((model, list(fields), batches, constants))

    def _copy_later(self, signature: tuple) -> None:
        model, fields = self.later[signature][0][:2]
        unchecked = _unchecked_keys(model, fields)
        positions = [i for i, name in enumerate(fields) if model._meta.get_field(name) in unchecked]
        seen: list[list[pa.Array]] = [[] for _ in unchecked]

        def collect(batch: pa.RecordBatch) -> None:
            for position, values in zip(positions, seen, strict=True):
                values.append(pc.unique(batch.column(position)))

        started, rows = time.perf_counter(), 0

        def copied(count: int) -> None:
            nonlocal rows
            rows += count

        for _, _, batches, constants in self.later[signature]:
            _copy_batches(_table(model), model, fields, batches, constants, copied, collect)
        log.info("switch: COPY %s… %d rows in %.1f s", _table(model), rows, time.perf_counter() - started)
        self.rows += rows
        for field, values in zip(unchecked, seen, strict=True):
            name = f"octopus_staging_keys_{len(self.keys)}"
            self.keys.append(name)
            column = connection.ops.quote_name(field.column)
            keys = io.BytesIO()
            if values:
                distinct = pc.unique(pa.chunked_array(values))
                pacsv.write_csv(pa.table({field.column: distinct}), keys, pacsv.WriteOptions(include_header=False))
            with connection.cursor() as cursor:
                cursor.execute(f"CREATE TEMPORARY TABLE {name} AS SELECT {column} FROM {_table(model)} WITH NO DATA")
                with cursor.cursor.copy(f"COPY {name} ({column}) FROM STDIN (FORMAT csv)") as copy:
                    copy.write(keys.getbuffer())
                # Unanalysed, the check guessed 200 keys and probed the index once a key: 12.5 s
                # for 1M residents' keys against 1.6 s hashed.
                cursor.execute(f"ANALYZE {name}")
            self.unchecked[name] = [field]

    def _step(
        self,
        kind: str,
        model,
        fields: Sequence[str],
        key: str | None,
        changed: Sequence[str],
    ) -> str:
        """The staging table for this kind of write, made (with its merge) the first time it is seen."""
        signature = (kind, model._meta.db_table, tuple(fields), key, tuple(changed))
        if signature not in self.steps:
            name = f"octopus_staging_{len(self.steps)}"
            columns = ", ".join(_columns(model, fields))
            with connection.cursor() as cursor:
                cursor.execute(f"CREATE TEMPORARY TABLE {name} AS SELECT {columns} FROM {_table(model)} WITH NO DATA")
            self.steps[signature] = (name, self._merge(kind, model, name, fields, key, changed))
            if kind == "update":
                self.folds.extend(self._fold(signature, name, model))
            if kind != "delete":
                self.unchecked[name] = _unchecked_keys(model, fields)
        return self.steps[signature][0]

    @staticmethod
    def _merge(kind, model, name, fields, key, changed) -> str:
        table = _table(model)
        columns = _columns(model, fields)
        if kind == "insert":
            return f"INSERT INTO {table} ({', '.join(columns)}) SELECT {', '.join(columns)} FROM {name}"
        key_column = _columns(model, [key])[0]
        if kind == "delete":
            return f"DELETE FROM {table} AS live USING {name} AS staged WHERE live.{key_column} = staged.{key_column}"
        changed_columns = _columns(model, changed)
        # Rows that would not change are left alone: a republish of the same snapshot rewrites
        # (and bloats) nothing.
        differs = (
            f"({', '.join(f'live.{c}' for c in changed_columns)}) IS DISTINCT FROM "
            f"({', '.join(f'{{new}}.{c}' for c in changed_columns)})"
        )
        if kind == "update":
            return (
                f"UPDATE {table} AS live SET {', '.join(f'{c} = staged.{c}' for c in changed_columns)} "
                f"FROM {name} AS staged WHERE live.{key_column} = staged.{key_column} AND "
                + differs.format(new="staged")
            )
        return (
            f"INSERT INTO {table} AS live ({', '.join(columns)}) SELECT {', '.join(columns)} FROM {name} "
            f"ON CONFLICT ({key_column}) DO UPDATE SET {', '.join(f'{c} = excluded.{c}' for c in changed_columns)} "
            "WHERE " + differs.format(new="excluded")
        )

    def _fold(self, signature: tuple, name: str, model) -> list[str]:
        """An update staged after an upsert of the same table and key (a publish's scores after its
        residents) is copied into the upsert's staging rows as well: a new row is then inserted
        whole, once, instead of inserted and rewritten (at 1M residents the rewrite was 140 s of
        the switch). The update still runs and changes the rows that existed before.

        If the two change different columns, the update runs just before the upsert instead of
        after it: the result is the same, and it then meets only the rows that existed before, not
        the ones just inserted (at 1M residents, 8 s of a first publish's switch spent finding that
        none of them differed)."""
        _, table, fields, key, changed = signature
        folds = []
        for upsert, (other, _) in self.steps.items():
            kind, other_table, other_fields, other_key, other_changed = upsert
            if kind == "upsert" and other_table == table and other_key == key and set(changed) <= set(other_fields):
                columns = _columns(model, changed)
                key_column = _columns(model, [key])[0]
                folds.append(
                    f"UPDATE {other} AS inserting SET {', '.join(f'{c} = staged.{c}' for c in columns)} "
                    f"FROM {name} AS staged WHERE inserting.{key_column} = staged.{key_column}"
                )
                if not set(changed) & set(other_changed):
                    self.ahead.setdefault(upsert, []).append(signature)
        return folds

    def apply(self) -> None:
        """The switch: every staged change in one transaction."""
        with connection.cursor() as cursor:
            for sql in self.folds:
                _timed(cursor, sql)
            for name, _ in self.steps.values():
                if name:
                    cursor.execute(f"ANALYZE {name}")
        with transaction.atomic(), connection.cursor() as cursor:
            _notice_a_dead_client(cursor)
            moved = {update for updates in self.ahead.values() for update in updates}
            for signature, (_, sql) in self.steps.items():
                if signature in moved:
                    continue
                if signature in self.later:
                    self._copy_later(signature)
                    continue
                for update in self.ahead.get(signature, ()):
                    _timed(cursor, self.steps[update][1])
                _timed(cursor, sql)
            for name, keys in self.unchecked.items():
                for field in keys:
                    _check_references(cursor, name, field)

    def drop(self) -> None:
        with connection.cursor() as cursor:
            for name in [*(name for name, _ in self.steps.values() if name), *self.keys]:
                cursor.execute(f"DROP TABLE IF EXISTS {name}")


def _copy_batches(
    table: str,
    model,
    fields: Sequence[str],
    batches: Iterable[pa.RecordBatch],
    constants: dict | None,
    copied: Callable[[int], None],
    seen: Callable[[pa.RecordBatch], None] = lambda batch: None,
) -> None:
    """COPY record batches (columns in ``fields`` order, then ``constants``) into ``table`` as CSV
    written by Arrow, with no Python object made per row (at 1M residents the timeline is 9.6M rows).

    The next batch is read and written as CSV on a helper thread while PostgreSQL takes in this
    one, so the two cores work at once (at 1M residents the timeline's staging took ~18 s with one
    waiting for the other). Whatever makes the batches therefore runs on that thread and must not
    use the database; so does ``seen``, shown each batch. ``copied`` is told each batch's rows
    after its COPY, on this thread, with the connection free."""
    fixed = [_constant(model._meta.get_field(n), v) for n, v in (constants or {}).items()]
    options = pacsv.WriteOptions(include_header=False)
    statement = f"COPY {table} ({', '.join(_columns(model, fields))}) FROM STDIN (FORMAT csv)"
    batches = iter(batches)

    def next_csv() -> tuple[memoryview, int] | None:
        batch = next(batches, None)
        if batch is None:
            return None
        seen(batch)
        columns = [*batch.columns, *(pa.repeat(value, batch.num_rows) for value in fixed)]
        buffer = io.BytesIO()
        pacsv.write_csv(pa.RecordBatch.from_arrays(columns, names=list(fields)), buffer, options)
        return buffer.getbuffer(), batch.num_rows

    # On leaving (a COPY failed), the pool waits for the one batch in the making.
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="bulk-csv") as ahead:
        making = ahead.submit(next_csv)
        while (made := making.result()) is not None:
            making = ahead.submit(next_csv)
            with connection.cursor() as cursor, cursor.cursor.copy(statement) as copy:
                copy.write(made[0])
            copied(made[1])


def _unchecked_keys(model, fields: Sequence[str]) -> list:
    """The foreign keys among ``fields`` declared without a database constraint (decision 0070)."""
    return [field for field in map(model._meta.get_field, fields) if field.many_to_one and not field.db_constraint]


def _check_references(cursor, staging: str, field) -> None:
    """What PostgreSQL's foreign-key trigger does row by row, once for a whole staging table: every
    staged key must name an existing row, and nobody may delete that row before the switch commits.
    For the second, the referenced table is locked against other writers until the commit (SHARE
    ROW EXCLUSIVE; readers are not blocked); if a writer holds it now, the switch does not wait for
    them (they may be waiting for a row it changed: a deadlock) but locks the referenced rows FOR
    KEY SHARE, as the trigger would. Raises IntegrityError, rolling the switch back."""
    column = connection.ops.quote_name(field.column)
    target = _table(field.remote_field.model)
    target_key = connection.ops.quote_name(field.target_field.column)
    referenced = f"SELECT DISTINCT {column} AS key FROM {staging} WHERE {column} IS NOT NULL"
    try:
        with transaction.atomic():  # a savepoint: a lock taken inside it is kept when it is released
            cursor.execute(f"LOCK TABLE {target} IN SHARE ROW EXCLUSIVE MODE NOWAIT")
    except OperationalError:
        locking = f"SELECT 1 FROM {target} WHERE {target_key} IN ({referenced}) FOR KEY SHARE"
        _timed(cursor, f"SELECT count(*) FROM ({locking}) AS locked")
    missing = f"FROM ({referenced}) AS s WHERE NOT EXISTS (SELECT 1 FROM {target} AS t WHERE t.{target_key} = s.key)"
    _timed(cursor, f"SELECT count(*), min(s.key) {missing}")
    count, example = cursor.fetchone()
    if count:
        raise IntegrityError(
            f"{field.model._meta.db_table}.{field.column} = {example} names no row of "
            f"{field.remote_field.model._meta.db_table} ({count} such keys); nothing was published"
        )


def _notice_a_dead_client(cursor) -> None:
    """Have PostgreSQL check, every second of a long statement, that the publish is still there.
    Without it, a publish killed inside the switch (a 1M first publish's DELETE of a withdrawn
    timeline ran for minutes) left its server process running the statement to the end, holding
    its locks and loading the disk for every reader, before finding the client gone and rolling
    back. PostgreSQL 14+ on Linux, macOS and the BSDs; elsewhere the setting is refused and the
    switch goes on without it."""
    try:
        with transaction.atomic():
            cursor.execute("SET LOCAL client_connection_check_interval = '1s'")
    except (OperationalError, ProgrammingError, DataError):
        pass


def _timed(cursor, sql: str) -> None:
    started = time.perf_counter()
    cursor.execute(sql)
    log.info("switch: %s… %d rows in %.1f s", sql[:70], cursor.rowcount, time.perf_counter() - started)


@contextmanager
def staged():
    """On PostgreSQL, hold every write made inside the block in staging tables and apply them
    together when it ends; elsewhere (SQLite), writes go straight in, chunk by chunk."""
    if connection.vendor != "postgresql" or _staging.get() is not None:
        yield None
        return
    staging = Staging()
    token = _staging.set(staging)
    try:
        yield staging
        _staging.reset(token)
        staging.apply()
    finally:
        if _staging.get() is staging:
            _staging.reset(token)
        try:
            staging.drop()
        finally:
            for close in staging.closing:
                close()
