"""What a working group watches: a cohort of the published population snapshot, counted from
its Parquet files with the Population pages' own function (``insights.figures.cohorts``), so
objections are honoured and the count is disclosure-controlled (1-7 suppressed, otherwise
rounded to 5) exactly as on the Cohorts page."""

from __future__ import annotations

import json
from dataclasses import dataclass

from octopus.governance.consent import analytics_excluded_person_ids
from octopus.insights import figures


@dataclass(frozen=True)
class Watched:
    name: str
    title: str
    description: str
    size: int | None  # None when suppressed
    as_of: object


def _current():
    from octopus.insights.current import Current  # the published snapshot and its folder

    return Current()


def _cohorts() -> tuple[list[dict], object]:
    current = _current()
    if not current.available:
        return [], None
    return figures.cohorts(current.folder, analytics_excluded_person_ids()), current.published.as_of


def cohort_names() -> list[str]:
    return [name for name, _ in choices()]


def choices() -> list[tuple[str, str]]:
    current = _current()
    if not current.available:
        return []
    path = current.folder / "cohorts.json"
    return [(c["name"], c.get("title", c["name"])) for c in json.loads(path.read_text())] if path.is_file() else []


def watched(name: str) -> Watched | None:
    if not name:
        return None
    rows, as_of = _cohorts()
    for row in rows:
        if row["name"] == name:
            return Watched(name, row.get("title", name), row.get("description", ""), row["size"], as_of)
    return None
