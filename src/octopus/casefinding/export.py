"""``octopus export list NAME``: the list the page shows, as CSV, from the same query
(``lists.rows``) and the same words (``presenters.rows``)."""

import csv
import datetime as dt
from collections.abc import Iterator

from . import lists, presenters

COLUMNS = ["person_id", "nhs_number", "practice", "band", "reason", "status", "caseload"]
BATCH = 2000  # rows fetched and worded at a time, so a 50,000-resident list never sits in memory whole


def list_rows(
    residents, case_list: lists.CaseList, today: dt.date, filters: lists.Filters | None = None
) -> Iterator[presenters.Row]:
    listed = lists.ByIds(lists.rows(residents, case_list, filters or lists.Filters(), today))
    # The order once (ids only), then each batch by id: paging with OFFSET sorted the whole list
    # again for every batch (60 s for 50,000 residents).
    ordered = listed.ids(slice(None))
    for start in range(0, len(ordered), BATCH):
        yield from presenters.rows(case_list, listed.fetch(ordered[start : start + BATCH]), today)


def write_csv(handle, rows, source_ids: dict[str, str] | None = None) -> int:
    """The list as CSV; with ``source_ids`` (person id -> "sender:id;…", ``population.source_ids``)
    a last column of each partner's own identifier for the person."""
    writer = csv.writer(handle)
    writer.writerow(COLUMNS + (["source_ids"] if source_ids is not None else []))
    count = 0
    for row in rows:
        cells = [row.person_id, row.nhs_number, row.practice_code, row.band, row.reason, row.status_label, row.caseload]
        writer.writerow(cells + ([source_ids.get(row.person_id, "")] if source_ids is not None else []))
        count += 1
    return count
