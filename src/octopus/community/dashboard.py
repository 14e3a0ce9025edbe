"""The frontline findings dashboard's figures: needs found by kind and source, by month and by
LSOA, and introductions by destination and completion, each with its table, CSV and definition
(``core.charts``), and every count under disclosure control (``core.disclosure``: counts of 1 to
7 suppressed, others rounded to 5, with secondary suppression where totals are published).

The figures are aggregates over every registered findings source (``findings.collect``); no
attendee or resident leaves a source, so the dashboard needs ``view_population`` only."""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict

from octopus.core import charts, disclosure, maps
from octopus.core.charts import Chart, Column, Definition

from . import needs
from .findings import Finding

ALL_SOURCES = "All sources"
ALL_NEEDS = "All needs"
CONTROL = (
    "Counts of 1 to 7 are suppressed and other counts rounded to the nearest 5 (OpenSAFELY's output rules, "
    "octopus.core.disclosure); where a row's total is shown, further cells are suppressed so a suppressed one "
    "cannot be worked out from it."
)
NEED_DEFINITION = (
    "One need found is one answer ticked: at a doorstep visit (the structured conversation, decision 0031), "
    "for a drop-in attendee, or by a social prescriber. Needs are counted where they were found: the "
    "household's LSOA at doors, the venue's LSOA at drop-ins."
)


def _month_words(month: dt.date) -> str:
    return f"{month:%B %Y}"


def _source_text(found: list[Finding]) -> str:
    names = sorted({f.source for f in found})
    return ", ".join(names) if names else "No source recorded anything in these months"


def needs_by_kind(found: list[Finding], as_of: dt.date) -> Chart:
    kinds = sorted({f.need for f in found if f.need}, key=needs.topic_words)
    sources = sorted({f.source for f in found if f.need})
    counts = Counter((f.need, f.source) for f in found if f.need)
    table = (
        disclosure.protect_table([[counts[(k, s)] for s in sources] for k in kinds], column_totals=False)
        if kinds
        else None
    )
    rows = []
    for i, kind in enumerate(kinds):
        for j, source in enumerate(sources):
            rows.append({"need": needs.topic_words(kind), "source": source, "count": table.cells[i][j]})
        rows.append({"need": needs.topic_words(kind), "source": ALL_SOURCES, "count": table.row_totals[i]})
    spec = {
        "transform": [{"filter": f"datum.source != '{ALL_SOURCES}' && datum.count != null"}],
        "mark": "bar",
        "encoding": {
            "y": {"field": "need", "type": "nominal", "title": "Kind of need", "sort": "-x"},
            "x": {"field": "count", "type": "quantitative", "title": "Needs found", "stack": "zero"},
            "color": {"field": "source", "type": "nominal", "title": "Where found"},
            "tooltip": [{"field": "need"}, {"field": "source"}, {"field": "count", "format": ",.0f"}],
        },
    }
    return charts.chart(
        "needs-by-kind",
        "Needs found, by kind of need and where",
        spec,
        rows,
        columns=[
            Column("need", "Kind of need", "text"),
            Column("source", "Where found", "text"),
            Column("count", "Needs found"),
        ],
        definition=Definition(
            "Needs found of each kind, from each source",
            "None: these are counts",
            _source_text(found),
            as_of,
            f"{NEED_DEFINITION} {CONTROL}",
        ),
        summary="Each kind of need's total across sources is in the table as 'All sources'.",
    )


def needs_by_month(found: list[Finding], months: list[dt.date], as_of: dt.date) -> Chart:
    kinds = sorted({f.need for f in found if f.need}, key=needs.topic_words)
    counts = Counter((f.month, f.need) for f in found if f.need)
    table = (
        disclosure.protect_table([[counts[(m, k)] for k in kinds] for m in months], column_totals=False)
        if kinds
        else None
    )
    rows = (
        [
            {"month": _month_words(m), "need": needs.topic_words(k), "count": table.cells[i][j]}
            for i, m in enumerate(months)
            for j, k in enumerate(kinds)
        ]
        if table
        else []
    )
    if table:
        rows += [
            {"month": _month_words(m), "need": ALL_NEEDS, "count": table.row_totals[i]} for i, m in enumerate(months)
        ]
    order = [_month_words(m) for m in months]
    spec = {
        "transform": [{"filter": f"datum.need != '{ALL_NEEDS}' && datum.count != null"}],
        "mark": "bar",
        "encoding": {
            "x": {"field": "month", "type": "ordinal", "title": "Month", "sort": order},
            "y": {"field": "count", "type": "quantitative", "title": "Needs found", "stack": "zero"},
            "color": {"field": "need", "type": "nominal", "title": "Kind of need"},
            "tooltip": [{"field": "month"}, {"field": "need"}, {"field": "count", "format": ",.0f"}],
        },
    }
    return charts.chart(
        "needs-by-month",
        "Needs found, month by month",
        spec,
        rows,
        columns=[
            Column("month", "Month", "text"),
            Column("need", "Kind of need", "text"),
            Column("count", "Needs found"),
        ],
        definition=Definition(
            "Needs found in the month, of each kind",
            "None: these are counts",
            _source_text(found),
            as_of,
            f"{NEED_DEFINITION} {CONTROL}",
        ),
    )


def needs_map(found: list[Finding], as_of: dt.date) -> Chart:
    per_lsoa = Counter(f.lsoa_code for f in found if f.need and f.lsoa_code)
    published = disclosure.protect_counts(dict(per_lsoa), total=False)["values"] if per_lsoa else {}
    unplaced = sum(1 for f in found if f.need and not f.lsoa_code)
    note = (
        f" {disclosure.publish_count(unplaced) or 'A few'} needs have no LSOA (a venue without coordinates) and are "
        "not mapped."
        if unplaced
        else ""
    )
    return maps.lsoa_map(
        "needs-by-lsoa",
        "Needs found, by LSOA",
        published,
        value_label="Needs found",
        kind="count",
        definition=Definition(
            "Needs found in the LSOA, all kinds and sources",
            "None: these are counts",
            _source_text(found),
            as_of,
            f"{NEED_DEFINITION} {CONTROL}",
        ),
        summary=("Grey areas: no needs found, or too few to show." + note),
    )


def introductions(found: list[Finding], as_of: dt.date) -> Chart:
    made: dict[str, int] = defaultdict(int)
    done: dict[str, int] = defaultdict(int)
    for f in found:
        if f.introductions:
            made[f.destination] += f.introductions
            done[f.destination] += f.introductions_completed
    destinations = sorted(made)
    table = (
        disclosure.protect_table([[done[d], made[d] - done[d]] for d in destinations], column_totals=False)
        if destinations
        else None
    )
    rows = []
    for i, destination in enumerate(destinations):
        completed, total = table.cells[i][0], table.row_totals[i]
        share = completed / total if completed is not None and total else None
        rows.append({"destination": destination, "made": total, "completed": completed, "share": share})
    spec = {
        "transform": [{"filter": "datum.made != null"}],
        "mark": "bar",
        "encoding": {
            "y": {"field": "destination", "type": "nominal", "title": "Introduced to", "sort": "-x"},
            "x": {"field": "made", "type": "quantitative", "title": "Introductions made"},
            "tooltip": [
                {"field": "destination"},
                {"field": "made", "format": ",.0f"},
                {"field": "completed", "format": ",.0f"},
            ],
        },
    }
    return charts.chart(
        "introductions",
        "Introductions, by who they were to and how many were completed",
        spec,
        rows,
        columns=[
            Column("destination", "Introduced to", "text"),
            Column("made", "Introductions made"),
            Column("completed", "Completed"),
            Column("share", "Share completed", "share"),
        ],
        definition=Definition(
            "Introductions (and referrals) completed: the person introduced to made first contact or completed it; "
            "at drop-ins, also when the staff heard they met",
            "Introductions made in the months shown, by the team introduced to",
            _source_text(found),
            as_of,
            "Outreach counts the introductions and referrals a CHWW sent for residents of households allocated "
            f"to them (as outreach supervision does). {CONTROL}",
        ),
    )


def detail_table(found: list[Finding], as_of: dt.date) -> Chart:
    """Every combination of source, LSOA, month and kind of need, each count published alone
    (no totals beside it, so primary suppression is enough): the download for analysts."""
    needs_found = Counter((f.source, f.lsoa_code, f.month, f.need) for f in found if f.need)
    intros = Counter()
    done = Counter()
    for f in found:
        key = (f.source, f.lsoa_code, f.month, f.need)
        intros[key] += f.introductions
        done[key] += f.introductions_completed
    rows = [
        {
            "source": s,
            "lsoa": lsoa or "",
            "month": f"{m:%Y-%m}",
            "need": needs.topic_words(n) if n else "Not recorded",
            "needs": disclosure.publish_count(needs_found[(s, lsoa, m, n)]),
            "introductions": disclosure.publish_count(intros[(s, lsoa, m, n)]),
            "completed": disclosure.publish_count(done[(s, lsoa, m, n)]),
        }
        for (s, lsoa, m, n) in sorted(set(needs_found) | {k for k, v in intros.items() if v})
    ]
    return charts.chart(
        "findings",
        "Findings by source, LSOA, month and kind of need",
        {"mark": "point"},
        rows,
        columns=[
            Column("source", "Where found", "text"),
            Column("lsoa", "LSOA code", "text"),
            Column("month", "Month", "text"),
            Column("need", "Kind of need", "text"),
            Column("needs", "Needs found"),
            Column("introductions", "Introductions made"),
            Column("completed", "Introductions completed"),
        ],
        definition=Definition(
            "Needs found and introductions in each cell",
            "None: these are counts",
            _source_text(found),
            as_of,
            f"{NEED_DEFINITION} Each count is published alone: {CONTROL}",
        ),
    )
