"""Render the feed contracts into the Markdown reference, docs/reference/feeds.md.

The reference is generated, never edited by hand, and a test compares the committed file with
a fresh rendering, so the docs cannot drift from the contracts. Regenerate with:

    PYTHONPATH=src python -m octopus.population.feeds.reference_docs docs/reference/feeds.md
"""

from __future__ import annotations

import sys
from collections.abc import Iterable
from pathlib import Path

from octopus.population.feeds.contract import (
    DECIMAL_PRECISION,
    MULTIPLE_SEPARATOR,
    Column,
    ColumnType,
    Feed,
    load_contracts,
)

TYPE_MEANINGS = {
    ColumnType.STRING: "Text.",
    ColumnType.INTEGER: "Whole number.",
    ColumnType.DECIMAL: (
        f"Exact decimal number, `.` as decimal point, no thousands separators "
        f"(Arrow decimal128({DECIMAL_PRECISION}, scale))."
    ),
    ColumnType.BOOLEAN: "`true` or `false`.",
    ColumnType.DATE: "ISO 8601 date, `YYYY-MM-DD`.",
    ColumnType.DATETIME: (
        "ISO 8601 date and time, `YYYY-MM-DDTHH:MM:SS` (or with a space), London local time, no offset."
    ),
    ColumnType.NHS_NUMBER: (
        "Ten digits, no spaces, valid Modulus 11 check digit (NHS Data Dictionary); ten identical digits are rejected."
    ),
    ColumnType.SNOMED_CODE: "SNOMED CT concept id: 6 to 18 digits, no leading zero, Verhoeff check digit.",
    ColumnType.ICD10_CODE: (
        "ICD-10 code: a capital letter, two digits, then optionally a dot and "
        "up to four more characters (`J45`, `J45.0`, `J450`, `R69X`)."
    ),
    ColumnType.POSTCODE: "Full UK postcode, upper case, the space before the inward code optional.",
    ColumnType.CODE: "One of the values listed for the column.",
}


def render_feeds_markdown(feeds: Iterable[Feed]) -> str:
    """The whole reference as Markdown, one section per feed in the order given."""
    feeds = list(feeds)
    parts = [_preamble(feeds)] + [_feed_section(feed) for feed in feeds]
    return "\n".join(parts).rstrip("\n") + "\n"


def _preamble(feeds: list[Feed]) -> str:
    lines = [
        "# Partner data feeds",
        "",
        "<!-- Generated from src/octopus/population/feeds/contracts/*.yaml by",
        "     octopus.population.feeds.reference_docs. Do not edit: change the YAML and regenerate. -->",
        "",
        "What each partner of an integrated neighbourhood team sends to Octopus, column by column.",
        "Feeds arrive as CSV (UTF-8, header row, comma-separated, empty field for a missing value) or",
        "Parquet with the Arrow schema of the feed. Every feed is keyed on `sender_code` and",
        "`source_record_id`: a newer delivery of a row with the same key replaces the older one.",
        "**Identifier** columns identify a person: they are pseudonymised or dropped before analysts",
        "see the data. Why the contracts look like this: docs/decisions/0002-feed-contracts.md.",
        "",
        "| feed | title | partner | version |",
        "|---|---|---|---|",
    ]
    lines += [
        f"| [`{feed.name}`](#{feed.name}) | {feed.title} | {feed.partner.value} | {feed.version} |" for feed in feeds
    ]
    lines += ["", "## Column types", "", "| type | values |", "|---|---|"]
    lines += [f"| `{kind.value}` | {_cell(meaning)} |" for kind, meaning in TYPE_MEANINGS.items()]
    lines += [
        "",
        f"A column marked *multiple* holds several values separated by `{MULTIPLE_SEPARATOR}`, "
        "in CSV and Parquet alike.",
        "",
    ]
    return "\n".join(lines)


def _feed_section(feed: Feed) -> str:
    lines = [
        f"## {feed.name}",
        "",
        f"**{feed.title}**, version {feed.version}, sent by: {feed.partner.value}.",
        "",
        feed.description,
        "",
        f"- Record key: {', '.join(f'`{name}`' for name in feed.key)}",
        f"- Event date: {f'`{feed.event_date}`' if feed.event_date else 'none (a register)'}",
        f"- Linkage columns: {', '.join(f'`{name}`' for name in feed.linkage_columns) or 'none'}",
        "",
        "| column | type | required | identifier | allowed values | description |",
        "|---|---|---|---|---|---|",
    ]
    lines += [_column_row(column) for column in feed.columns]
    lines.append("")
    return "\n".join(lines)


def _column_row(column: Column) -> str:
    kind = column.type.value + (f"({column.scale})" if column.scale is not None else "")
    if column.multiple:
        kind += ", multiple"
    cells = [
        f"`{column.name}`",
        kind,
        "yes" if column.required else "no",
        "yes" if column.identifier else "no",
        _allowed_values(column),
        column.description,
    ]
    return "| " + " | ".join(_cell(cell) for cell in cells) + " |"


def _allowed_values(column: Column) -> str:
    rules = [f"`{code.value}`: {code.description}" for code in column.codes]
    if column.codelist:
        rules.append(f"code list `{column.codelist}`")
    if column.pattern:
        rules.append(f"matches `{column.pattern}`")
    if column.minimum is not None:
        rules.append(f"at least {column.minimum}")
    if column.maximum is not None:
        rules.append(f"at most {column.maximum}")
    return "<br>".join(rules)


def _cell(text: str) -> str:
    # A bare | would end the table cell; newlines would end the row.
    return " ".join(text.split()).replace("|", "\\|")


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    markdown = render_feeds_markdown(load_contracts().values())
    if argv:
        Path(argv[0]).write_text(markdown, encoding="utf-8")
    else:
        sys.stdout.write(markdown)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
