"""What has been delivered: deliveries, files refused whole, and each feed's current state.

Read-only queries over the feed store for `octopus feeds status` and the intake pages. Counts
and file names only — no row values leave through here.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from octopus.clock import london_time
from octopus.population.feeds.store import FeedStore, feed_table


@dataclass(frozen=True)
class Delivery:
    delivery_id: str
    feed: str
    file_name: str
    delivered_at: datetime
    row_count: int
    loaded_rows: int
    quarantined_rows: int
    superseded_rows: int  # rows of this delivery that later deliveries replaced

    @property
    def status(self) -> str:
        if self.row_count and self.superseded_rows == self.loaded_rows and self.loaded_rows:
            return "replaced by later deliveries"
        return "loaded with rows quarantined" if self.quarantined_rows else "loaded"


@dataclass(frozen=True)
class Rejection:
    file_name: str
    sha256: str | None
    feed: str | None
    reason: str
    rejected_at: datetime


@dataclass(frozen=True)
class FeedStatus:
    feed: str
    deliveries: int
    current_rows: int
    quarantined_values: int
    last_delivered_at: datetime | None


def deliveries(store: FeedStore, *, feed: str | None = None) -> list[Delivery]:
    """Deliveries, latest first, with how many of each one's rows were later superseded."""
    con = store.connection
    where, params = ("WHERE feed = ?", [feed]) if feed else ("", [])
    rows = con.execute(
        "SELECT delivery_id, feed, file_name, delivered_at, row_count, loaded_rows, quarantined_rows "
        f"FROM deliveries {where} ORDER BY sequence DESC",
        params,
    ).fetchall()
    superseded = _superseded_by_delivery(store, {row[1] for row in rows})
    return [Delivery(*row[:3], london_time(row[3]), *row[4:], superseded.get(row[0], 0)) for row in rows]


def _superseded_by_delivery(store: FeedStore, feeds: set[str]) -> dict[str, int]:
    if not feeds:
        return {}
    # Only superseded rows are counted, so the scan touches feeds that have deliveries.
    union = " UNION ALL ".join(
        f"SELECT _delivery_id FROM {feed_table(name)} WHERE _superseded_by IS NOT NULL" for name in sorted(feeds)
    )
    return dict(store.connection.execute(f"SELECT _delivery_id, count(*) FROM ({union}) GROUP BY 1").fetchall())


def delivery(store: FeedStore, delivery_id: str) -> Delivery | None:
    return next((d for d in deliveries(store) if d.delivery_id == delivery_id), None)


def rejections(store: FeedStore, *, limit: int = 200) -> list[Rejection]:
    """Files refused whole, latest first."""
    rows = store.connection.execute(
        "SELECT file_name, sha256, feed, reason, rejected_at FROM rejections ORDER BY rejected_at DESC, file_name "
        f"LIMIT {int(limit)}"
    ).fetchall()
    return [Rejection(*row[:4], london_time(row[4])) for row in rows]


def feed_statuses(store: FeedStore) -> list[FeedStatus]:
    """One line per feed contract: deliveries, current rows, quarantined values, last delivery."""
    con = store.connection
    per_feed = {
        row[0]: row[1:]
        for row in con.execute("SELECT feed, count(*), max(delivered_at) FROM deliveries GROUP BY feed").fetchall()
    }
    quarantined = dict(con.execute("SELECT feed, count(*) FROM quarantine GROUP BY feed").fetchall())
    statuses = []
    for name in sorted(store.contracts):
        count, last = per_feed.get(name, (0, None))
        current = con.execute(f"SELECT count(*) FROM ({store.current_rows_sql(name)})").fetchone()[0] if count else 0
        statuses.append(FeedStatus(name, count, current, quarantined.get(name, 0), london_time(last)))
    return statuses
