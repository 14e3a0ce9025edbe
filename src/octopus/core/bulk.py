"""Fast batched writes for publishing a whole population.

Django's ``bulk_create``/``bulk_update`` stay under SQLite's 999-parameter limit by sending a
few dozen rows per statement and, for updates, build a CASE per field and row; for 20,000
residents and a quarter of a million timeline events that is minutes. Here each batch is one
``executemany`` of a plain parameterised statement, and values go through each field's own
``get_db_prep_save`` (time zones, JSON), so SQLite and PostgreSQL store exactly what the ORM would.
"""

from collections.abc import Iterable, Sequence

from django.db import connection, transaction

# Each chunk commits on its own when no transaction encloses it (decision 0024): on SQLite a write
# transaction locks out every other writer, and every page view writes an audit entry, so a
# publish must never hold the lock for longer than one chunk.
CHUNK = 5000


def _prepared(model, fields: Sequence[str], rows: Iterable[Sequence]) -> list[tuple]:
    prep = [model._meta.get_field(name).get_db_prep_save for name in fields]
    return [tuple(p(v, connection) for p, v in zip(prep, row, strict=True)) for row in rows]


def _columns(model, fields: Sequence[str]) -> list[str]:
    return [connection.ops.quote_name(model._meta.get_field(name).column) for name in fields]


def _execute(sql: str, rows: list[tuple]) -> None:
    for start in range(0, len(rows), CHUNK):
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.executemany(sql, rows[start:start + CHUNK])


def insert(model, fields: Sequence[str], rows: Iterable[Sequence]) -> None:
    columns = _columns(model, fields)
    sql = (f"INSERT INTO {connection.ops.quote_name(model._meta.db_table)} ({', '.join(columns)}) "
           f"VALUES ({', '.join(['%s'] * len(columns))})")
    _execute(sql, _prepared(model, fields, rows))


def update(model, fields: Sequence[str], key: str, rows: Iterable[Sequence]) -> None:
    """Each row is the values of ``fields`` followed by the value of ``key``."""
    columns = _columns(model, fields)
    sql = (f"UPDATE {connection.ops.quote_name(model._meta.db_table)} SET "
           f"{', '.join(f'{c} = %s' for c in columns)} WHERE {_columns(model, [key])[0]} = %s")
    _execute(sql, _prepared(model, [*fields, key], rows))


def upsert(model, fields: Sequence[str], key: str, update_fields: Sequence[str], rows: Iterable[Sequence]) -> None:
    """INSERT … ON CONFLICT (key) DO UPDATE: the same statement on SQLite (3.24+) and PostgreSQL."""
    columns = _columns(model, fields)
    updates = ", ".join(f"{c} = excluded.{c}" for c in _columns(model, update_fields))
    sql = (f"INSERT INTO {connection.ops.quote_name(model._meta.db_table)} ({', '.join(columns)}) "
           f"VALUES ({', '.join(['%s'] * len(columns))}) ON CONFLICT ({_columns(model, [key])[0]}) DO UPDATE SET {updates}")
    _execute(sql, _prepared(model, fields, rows))
