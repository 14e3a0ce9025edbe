"""The quarantine: rows of loaded deliveries that failed validation, kept to be fixed and resent.

Each entry names the delivery, file, row (data rows counted from 1), field, the value as sent
and the reason. One row can have several entries, one per faulty field. The quarantine holds
patient-level values, so it is viewed and exported deliberately — never written to logs.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from octopus.population.feeds.store import FeedStore

COLUMNS = ("delivery_id", "feed", "file_name", "row_number", "field", "value", "reason")


@dataclass(frozen=True)
class QuarantinedValue:
    delivery_id: str
    feed: str
    file_name: str
    row_number: int
    field: str
    value: str | None
    reason: str

    def describe(self) -> str:
        return f"{self.file_name}: row {self.row_number}, field '{self.field}': {self.reason}"


def _where(feed: str | None, file_name: str | None) -> tuple[str, list[str]]:
    clauses, params = [], []
    if feed:
        clauses.append("feed = ?")
        params.append(feed)
    if file_name:
        clauses.append("file_name = ?")
        params.append(file_name)
    return (" WHERE " + " AND ".join(clauses)) if clauses else "", params


def quarantined(
    store: FeedStore,
    *,
    feed: str | None = None,
    file_name: str | None = None,
    limit: int | None = None,
    offset: int = 0,
) -> list[QuarantinedValue]:
    """Quarantined values, in file and row order, optionally for one feed or file."""
    where, params = _where(feed, file_name)
    sql = f"SELECT {', '.join(COLUMNS)} FROM quarantine{where} ORDER BY file_name, row_number, field"
    if limit is not None:
        sql += f" LIMIT {int(limit)} OFFSET {int(offset)}"
    return [QuarantinedValue(*row) for row in store.connection.execute(sql, params).fetchall()]


def count_quarantined(store: FeedStore, *, feed: str | None = None, file_name: str | None = None) -> int:
    where, params = _where(feed, file_name)
    return store.connection.execute(f"SELECT count(*) FROM quarantine{where}", params).fetchone()[0]


def export_quarantine(
    store: FeedStore, path: Path | str, *, feed: str | None = None, file_name: str | None = None
) -> int:
    """Write quarantined values to a CSV file; return how many were written."""
    where, params = _where(feed, file_name)
    select = f"SELECT {', '.join(COLUMNS)} FROM quarantine{where} ORDER BY file_name, row_number, field"
    count = store.connection.execute(f"SELECT count(*) FROM ({select})", params).fetchone()[0]
    # COPY cannot take parameters, so the filtered rows go through a temporary view.
    store.connection.execute(
        f"CREATE OR REPLACE TEMP VIEW _quarantine_export AS {select}".replace("?", "{}").format(
            *[("'" + p.replace("'", "''") + "'") for p in params]
        )
    )
    target = str(Path(path)).replace("'", "''")
    store.connection.execute(f"COPY _quarantine_export TO '{target}' (HEADER, DELIMITER ',')")
    return count
