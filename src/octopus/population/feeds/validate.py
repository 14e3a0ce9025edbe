"""Checking a delivery against its feed contract: the file's structure, then every value.

Structure problems (wrong feed, missing or unexpected columns, wrong delimiter, ragged rows)
reject the whole file with a `FeedRejected` naming the file and what is wrong. Value problems
are found in SQL over a whole batch at once — not a Python loop per row, since the largest feeds
have tens of millions of rows — and come back as `(row, field, value, reason)` rows for the
quarantine. Coded values (SNOMED CT, ICD-10, code lists) are checked once per *distinct* value
with the contract's own functions in `codes.py`, so there is one definition of a valid code.

Row numbers count data rows from 1 (the header is not a row): row 1 is line 2 of a CSV file.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.csv as pa_csv
import pyarrow.parquet as pq

from octopus.clock import london_today
from octopus.population.coded_lists import split_codes
from octopus.population.feeds.codes import (
    is_valid_icd10_code,
    is_valid_snomed_code,
    load_codelist,
)
from octopus.population.feeds.contract import Column, ColumnType, Feed

FEED_SEPARATOR = "__"
SUFFIXES = (".csv", ".parquet")
BATCH_BYTES = 32 * 1024 * 1024
# The widest feed's header is a few hundred characters. Reading the header line unbounded would
# hold the whole of a file with no line break in memory (2 GB for a 2 GB file) before rejecting it.
HEADER_CHARS = 64 * 1024
# Arrow's CSV reader grows its block to hold a row, to several times the row's size: one 50 MB
# line took the load from 235 to 492 MB, so a 2 GB one would take gigabytes. No feed's row comes
# near this bound (the widest rows are a few kilobytes); beyond it the file is refused.
MAX_LINE_BYTES = 8 * 1024 * 1024
EARLIEST_DATE = "1880-01-01"

# Pairs of columns where the second may not come before the first, wherever a feed has both.
DATE_ORDER: tuple[tuple[str, str], ...] = (
    ("admission_date", "discharge_date"),
    ("arrival_datetime", "departure_datetime"),
    ("start_date", "end_date"),
    ("move_in_date", "move_out_date"),
    ("registration_start_date", "registration_end_date"),
    ("date_of_birth", "date_of_death"),
    ("date_of_death", "date_of_registration"),
    ("date_of_birth", "registration_start_date"),
    ("date_of_birth", "move_in_date"),
    ("date_of_birth", "incident_datetime"),
    ("date_of_birth", "contact_date"),
)
# Dates that may legitimately lie ahead: a booked GP appointment (feed, column, condition).
FUTURE_ALLOWED: dict[tuple[str, str], str] = {
    ("gp_appointments", "appointment_date"): "lower(trim(\"status\")) = 'booked'",
}


class FeedRejected(ValueError):
    """A whole file was refused; nothing from it was stored. The message says why and where."""


@dataclass(frozen=True)
class Problem:
    row_number: int
    field: str
    value: str | None
    reason: str

    def describe(self, file_name: str) -> str:
        return f"{file_name}: row {self.row_number}, field '{self.field}': {self.reason}"


def feed_name_from_path(path: Path, known: Iterable[str], declared: str | None = None) -> str:
    """The feed a file belongs to: `--feed` if given, else the start of its file name."""
    known = sorted(known)
    if path.suffix.lower() not in SUFFIXES:
        raise FeedRejected(f"{path.name}: only .csv and .parquet files can be loaded, not '{path.suffix}'.")
    if declared is not None:
        if declared not in known:
            raise FeedRejected(f"{path.name}: '{declared}' is not a feed; feeds are {', '.join(known)}.")
        return declared
    prefix = path.stem.split(FEED_SEPARATOR)[0]
    if prefix not in known:
        raise FeedRejected(
            f"{path.name}: cannot tell which feed this file is. Name it "
            f"'<feed>{FEED_SEPARATOR}<sender>{FEED_SEPARATOR}<date>{path.suffix}' starting with one of "
            f"{', '.join(known)}, or pass --feed NAME."
        )
    return prefix


# --- structure ---------------------------------------------------------------------------------


def check_columns(file_name: str, found: list[str], feed: Feed, contracts: dict[str, Feed]) -> None:
    """Reject a file whose header is not exactly the feed's columns (in any order)."""
    if len(found) == 1:
        for delimiter, name in ((";", "semicolons"), ("\t", "tabs"), ("|", "pipes")):
            if delimiter in found[0]:
                raise FeedRejected(
                    f"{file_name}: the header is separated by {name}, not commas. Feed files "
                    "must be comma-separated CSV (RFC 4180); re-export with ',' as the delimiter."
                )
    duplicates = sorted({name for name in found if found.count(name) > 1})
    if duplicates:
        raise FeedRejected(f"{file_name}: column(s) {', '.join(duplicates)} appear more than once.")
    expected = set(feed.column_names)
    missing = [name for name in feed.column_names if name not in found]
    unexpected = [name for name in found if name not in expected]
    if not missing and not unexpected:
        return
    for other in contracts.values():
        if other.name != feed.name and set(found) == set(other.column_names):
            raise FeedRejected(
                f"{file_name}: the columns are those of feed '{other.name}', not '{feed.name}'. "
                f"Rename the file to start with '{other.name}{FEED_SEPARATOR}' or pass --feed {other.name}."
            )
    parts = []
    if missing:
        parts.append(f"missing column(s) {', '.join(missing)}")
    if unexpected:
        parts.append(f"unexpected column(s) {', '.join(unexpected)}")
    raise FeedRejected(
        f"{file_name}: does not match feed '{feed.name}' (version {feed.version}): "
        f"{'; '.join(parts)}. See docs/reference/feeds.md#{feed.name}."
    )


def read_batches(
    path: Path, feed: Feed, contracts: dict[str, Feed], batch_bytes: int = BATCH_BYTES
) -> Iterator[pa.RecordBatch]:
    """The file's rows as batches of text columns, after its structure is checked."""
    if path.suffix.lower() == ".parquet":
        yield from _parquet_batches(path, feed, contracts)
    else:
        yield from _csv_batches(path, feed, contracts, batch_bytes)


def _csv_batches(path: Path, feed: Feed, contracts: dict[str, Feed], batch_bytes: int) -> Iterator[pa.RecordBatch]:
    with path.open(newline="", encoding="utf-8-sig") as handle:
        try:
            line = handle.readline(HEADER_CHARS + 1)
            if len(line) > HEADER_CHARS:
                raise FeedRejected(
                    f"{path.name}: the header row cannot be read as UTF-8 CSV (no line break in its first "
                    f"{HEADER_CHARS:,} characters; a header of feed '{feed.name}' is one short line)."
                )
            header = next(csv.reader([line]), None)
        except (csv.Error, UnicodeDecodeError) as error:
            raise FeedRejected(f"{path.name}: the header row cannot be read as UTF-8 CSV ({error}).") from None
    if not header:
        raise FeedRejected(
            f"{path.name}: the file is empty; expected a header row with the columns of feed '{feed.name}'."
        )
    header = [name.strip() for name in header]
    check_columns(path.name, header, feed, contracts)
    ragged: list[str] = []

    def on_invalid_row(row: pa_csv.InvalidRow) -> str:
        line = f"line {row.number}" if row.number is not None else "a line"
        ragged.append(f"{line} has {row.actual_columns} fields, expected {row.expected_columns}")
        return "skip"

    reader = pa_csv.open_csv(
        io.BufferedReader(_LineLengthGuard(path, MAX_LINE_BYTES), batch_bytes),
        read_options=pa_csv.ReadOptions(
            block_size=batch_bytes, column_names=header, skip_rows=1, encoding="utf-8", use_threads=False
        ),
        parse_options=pa_csv.ParseOptions(invalid_row_handler=on_invalid_row, newlines_in_values=True),
        convert_options=pa_csv.ConvertOptions(
            column_types={name: pa.string() for name in header},
            strings_can_be_null=False,
            quoted_strings_can_be_null=False,
        ),
    )
    try:
        for batch in reader:
            if ragged:
                break
            yield batch
    except (pa.ArrowInvalid, UnicodeDecodeError) as error:
        raise FeedRejected(f"{path.name}: cannot be read as UTF-8 CSV ({str(error).splitlines()[0]}).") from None
    if ragged:
        raise FeedRejected(
            f"{path.name}: {ragged[0]} (is a comma inside an unquoted value?). "
            "Every row must have one value per column."
        )


class _LineLengthGuard(io.RawIOBase):
    """A file read for Arrow that refuses it at the first physical line longer than ``limit`` bytes."""

    def __init__(self, path: Path, limit: int):
        self.path, self.limit, self.raw = path, limit, path.open("rb", buffering=0)
        self.since_break, self.breaks = 0, 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        size = self.raw.readinto(buffer)
        if not size:
            return size
        data = bytes(memoryview(buffer)[:size])
        first = data.find(b"\n")
        if self.since_break + (size if first < 0 else first) > self.limit:
            self._refuse(self.breaks + 1)
        if first < 0:
            self.since_break += size
            return size
        # A line longer than the limit covers a whole half-limit window with no break in it; only
        # such windows (a handful a block) are measured exactly, so this costs a few finds a block.
        half = self.limit // 2
        for window in range(first, size, half):
            if data.find(b"\n", window, window + half) < 0:
                start = data.rfind(b"\n", 0, window)
                end = data.find(b"\n", window + half)
                if end >= 0 and end - start - 1 > self.limit:
                    self._refuse(self.breaks + data.count(b"\n", 0, start + 1) + 1)
        self.since_break = size - data.rfind(b"\n") - 1
        self.breaks += data.count(b"\n")
        if self.since_break > self.limit:
            self._refuse(self.breaks + 1)
        return size

    def _refuse(self, line: int) -> None:
        raise FeedRejected(
            f"{self.path.name}: line {line} is longer than {self.limit // 2**20} MB, far beyond any "
            "feed's row; it is not a CSV of this feed (or its line breaks were lost in transfer)."
        )

    def close(self) -> None:
        self.raw.close()
        super().close()


def _parquet_batches(path: Path, feed: Feed, contracts: dict[str, Feed]) -> Iterator[pa.RecordBatch]:
    try:
        parquet = pq.ParquetFile(path)
    except (pa.ArrowInvalid, OSError) as error:
        raise FeedRejected(f"{path.name}: is not a readable Parquet file ({error}).") from None
    metadata = parquet.schema_arrow.metadata or {}
    declared = metadata.get(b"feed", b"").decode()
    if declared and declared != feed.name:
        raise FeedRejected(f"{path.name}: the Parquet schema says feed '{declared}', not '{feed.name}'.")
    check_columns(path.name, parquet.schema_arrow.names, feed, contracts)
    for batch in parquet.iter_batches(batch_size=250_000):
        yield pa.RecordBatch.from_arrays(
            [column.cast(pa.string()) for column in batch.columns], names=batch.schema.names
        )


# --- values ------------------------------------------------------------------------------------


def _q(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _lit(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def value_sql(column: Column) -> str:
    """The column's cleaned text: trimmed, empty meaning missing."""
    return f"NULLIF(trim({_q(column.name)}), '')"


_DATE_RE = r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$"
_DATETIME_RE = r"^[0-9]{4}-[0-9]{2}-[0-9]{2}[T ][0-9]{2}:[0-9]{2}(:[0-9]{2}(\.[0-9]{1,6})?)?$"
_TRUE = "('true','t','yes','y','1')"
_FALSE = "('false','f','no','n','0')"


def typed_sql(feed: Feed, column: Column, value: str | None = None) -> str:
    """SQL turning the column's text into its contract type (NULL when it cannot).

    `value` is SQL for the already cleaned text, if the caller computed it once (`value_sql`).
    """
    v = value or value_sql(column)
    match column.type:
        case ColumnType.INTEGER:
            return f"TRY_CAST({v} AS BIGINT)"
        case ColumnType.DECIMAL:
            return f"TRY_CAST({v} AS DECIMAL(18, {column.scale}))"
        case ColumnType.BOOLEAN:
            return f"CASE WHEN lower({v}) IN {_TRUE} THEN true WHEN lower({v}) IN {_FALSE} THEN false END"
        case ColumnType.DATE:
            return f"CASE WHEN regexp_matches({v}, '{_DATE_RE}') THEN TRY_CAST({v} AS DATE) END"
        case ColumnType.DATETIME:
            return (
                f"CASE WHEN regexp_matches({v}, '{_DATETIME_RE}') "
                f"THEN TRY_CAST(replace({v}, 'T', ' ') AS TIMESTAMP) END"
            )
        case ColumnType.NHS_NUMBER:
            return f"regexp_replace({v}, '[ -]', '', 'g')"
        case ColumnType.POSTCODE:
            compact = f"regexp_replace(upper({v}), '\\s', '', 'g')"
            return f"CASE WHEN {v} IS NOT NULL THEN {compact}[:-4] || ' ' || {compact}[-3:] END"
        case ColumnType.CODE:
            return f"lower({v})"
        case _:
            return v


def nhs_number_valid_sql(tidy: str) -> str:
    """NHS Data Dictionary Modulus 11 in SQL (the same rule as `is_valid_nhs_number`)."""
    # A digit's value from its character code, not a cast: SQL does not short-circuit AND, so a
    # letter must not raise here (the pattern test rejects it), and it is cheaper to plan.
    digit = lambda i: f"(ascii({tidy}[{i}]) - 48)"  # noqa: E731
    # The rule restated as one sum: the check digit is right exactly when the nine weighted digits
    # plus the check digit are a multiple of 11 (a remainder needing a check digit of 10 can never
    # be met by one digit). Written as "11 - remainder, 11 means 0, 10 is invalid" the sum appeared
    # three times, and binding those terms was a third of the cost of validating a small file.
    total = " + ".join(f"{digit(i)} * {11 - i}" for i in range(1, 10)) + f" + {digit(10)}"
    return (
        f"coalesce(regexp_matches({tidy}, '^[0-9]{{10}}$') AND replace({tidy}, substr({tidy}, 1, 1), '') <> '' "
        f"AND ({total}) % 11 = 0, false)"
    )


def _typed_ref(column: Column) -> str:
    return _q(f"__typed_{column.name}")


def _clean_ref(column: Column) -> str:
    return _q(f"__clean_{column.name}")


def _column_reason_sql(feed: Feed, column: Column, bad_codes: str | None) -> str:
    """A CASE giving the first thing wrong with the column's value, or NULL.

    Reads the cleaned text and the typed value from the `__clean_<column>` and `__typed_<column>`
    columns that `problems_sql` computes once.
    """
    v = _clean_ref(column)
    typed = _typed_ref(column)
    whens: list[tuple[str, str]] = []
    if column.required:
        whens.append((f"{v} IS NULL", "is required but empty"))
    present = f"{v} IS NOT NULL"
    match column.type:
        case ColumnType.INTEGER:
            whens.append((f"{present} AND {typed} IS NULL", "is not a whole number"))
        case ColumnType.DECIMAL:
            whens.append(
                (
                    f"{present} AND ({typed} IS NULL OR NOT regexp_matches({v}, '^-?[0-9]+(\\.[0-9]+)?$'))",
                    "is not a decimal number",
                )
            )
        case ColumnType.BOOLEAN:
            whens.append((f"{present} AND {typed} IS NULL", "is not true or false"))
        case ColumnType.DATE:
            whens.append((f"{present} AND {typed} IS NULL", "is not a date in YYYY-MM-DD form"))
        case ColumnType.DATETIME:
            whens.append((f"{present} AND {typed} IS NULL", "is not a date-time in YYYY-MM-DD HH:MM:SS form"))
        case ColumnType.NHS_NUMBER:
            whens.append(
                (
                    f"{present} AND NOT {nhs_number_valid_sql(typed)}",
                    "is not a valid NHS number (ten digits passing the Modulus 11 check)",
                )
            )
        case ColumnType.POSTCODE:
            whens.append(
                (
                    f"{present} AND NOT regexp_matches({typed}, '^[A-Z]{{1,2}}[0-9][A-Z0-9]? [0-9][A-Z]{{2}}$')",
                    "is not a full UK postcode",
                )
            )
        case ColumnType.CODE:
            allowed = ", ".join(code.value for code in column.codes)
            values = ", ".join(_lit(code.value) for code in column.codes)
            whens.append((f"{present} AND {typed} NOT IN ({values})", f"is not one of the allowed values: {allowed}"))
        case ColumnType.STRING if column.pattern:
            whens.append(
                (
                    f"{present} AND NOT regexp_full_match({v}, {_lit(column.pattern)})",
                    f"does not match the pattern {column.pattern}",
                )
            )
    # Only coded columns can hold bad codes. Each IN (subquery) becomes a join in the plan, and one
    # per column made planning cost ~0.3 s per batch — the fixed cost seen loading many small files.
    if bad_codes is not None and column.type in (ColumnType.SNOMED_CODE, ColumnType.ICD10_CODE):
        whens.append(
            (
                f"{present} AND {v} IN (SELECT value FROM {bad_codes} WHERE field = {_lit(column.name)})",
                _code_reason(column),
            )
        )
    if column.minimum is not None:
        whens.append((f"{typed} < {column.minimum}", f"is below the minimum {column.minimum}"))
    if column.maximum is not None:
        whens.append((f"{typed} > {column.maximum}", f"is above the maximum {column.maximum}"))
    if column.type in (ColumnType.DATE, ColumnType.DATETIME):
        whens.append((f"CAST({typed} AS DATE) < DATE '{EARLIEST_DATE}'", f"is before {EARLIEST_DATE}"))
        allowed_future = FUTURE_ALLOWED.get((feed.name, column.name), "false")
        whens.append(
            # London's today from Python, not DuckDB's current_date: one clock for the whole
            # product (and the one a test moves), and the date the partners' staff live by.
            (
                f"CAST({typed} AS DATE) > DATE '{london_today().isoformat()}' "
                f"AND NOT coalesce({allowed_future}, false)",
                "is in the future",
            )
        )
    if not whens:
        return "NULL"
    return "CASE " + " ".join(f"WHEN {cond} THEN {_lit(reason)}" for cond, reason in whens) + " END"


def _code_reason(column: Column) -> str:
    if column.codelist:
        return f"is not a {column.type.value.replace('_', ' ')} in code list {column.codelist}"
    if column.type is ColumnType.SNOMED_CODE:
        return "is not a valid SNOMED CT code (shape or Verhoeff check digit)"
    return "is not a valid ICD-10 code"


def _order_reason_sql(feed: Feed, earlier: str, later: str) -> str:
    first = f"CAST({_typed_ref(feed.column(earlier))} AS DATE)"
    second = f"CAST({_typed_ref(feed.column(later))} AS DATE)"
    return f"CASE WHEN {second} < {first} THEN {_lit(f'is before {earlier}')} END"


def problems_sql(feed: Feed, batch: str, bad_codes: str | None) -> str:
    """SQL listing (file, row, field, value, reason) for every problem in `batch`, in one scan.

    `batch` has the feed's columns as text plus `_file` (which delivery) and `_row_number`.
    """
    checks = [(column.name, _clean_ref(column), _column_reason_sql(feed, column, bad_codes)) for column in feed.columns]
    names = set(feed.column_names)
    for earlier, later in DATE_ORDER:
        if earlier in names and later in names:
            checks.append((later, _clean_ref(feed.column(later)), _order_reason_sql(feed, earlier, later)))
    checks = [check for check in checks if check[2] != "NULL"]
    # Reasons are computed for every row, but the list of problems is built only for rows that
    # have one: building a list per row costs several times the checks themselves.
    reasons = ", ".join(f"{reason} AS r{i}, {value} AS v{i}" for i, (_, value, reason) in enumerate(checks))
    structs = ", ".join(
        f"{{'field': {_lit(name)}, 'value': v{i}, 'reason': r{i}}}" for i, (name, _, _) in enumerate(checks)
    )
    any_reason = f"coalesce({', '.join(f'r{i}' for i in range(len(checks)))})"
    # Each cleaned and typed value is computed once and referred to by name. For small files the
    # cost of this query is DuckDB binding it, which grows with the size of the expression tree:
    # written inline, every check repeated the cleaning of its column.
    typed = _typed_selects(feed, _typed_ref)
    return (
        f"WITH clean AS (SELECT *, {_clean_selects(feed)} FROM {batch}), "
        f"typed AS (SELECT *, {typed} FROM clean), "
        f"reasons AS (SELECT _file, _row_number, {reasons} FROM typed), "
        f"bad AS (SELECT * FROM reasons WHERE {any_reason} IS NOT NULL) "
        "SELECT _file AS file, _row_number AS row_number, p.field, p.value, p.reason FROM ("
        f"SELECT _file, _row_number, unnest(list_filter([{structs}], lambda x: x.reason IS NOT NULL)) AS p FROM bad)"
    )


def typed_rows_sql(feed: Feed, batch: str) -> str:
    """SQL for `batch`'s rows in the feed's types, in contract order, then `_file`, `_row_number`."""
    return (
        f"WITH clean AS (SELECT _file, _row_number, {_clean_selects(feed)} FROM {batch}) "
        f"SELECT {_typed_selects(feed, lambda column: _q(column.name))}, _file, _row_number FROM clean"
    )


def _clean_selects(feed: Feed) -> str:
    """Each column's cleaned text, as `__clean_<column>`."""
    return ", ".join(f"{value_sql(column)} AS {_clean_ref(column)}" for column in feed.columns)


def _typed_selects(feed: Feed, alias) -> str:
    """Each column's typed value computed from `__clean_<column>`, named by `alias(column)`."""
    return ", ".join(f"{typed_sql(feed, column, _clean_ref(column))} AS {alias(column)}" for column in feed.columns)


class CodeChecker:
    """Checks coded columns once per distinct value, remembering answers across batches."""

    def __init__(self, feed: Feed, codelist_dir: Path | None):
        self.feed = feed
        self.columns = [c for c in feed.columns if c.type in (ColumnType.SNOMED_CODE, ColumnType.ICD10_CODE)]
        self.codelists: dict[str, frozenset[str]] = {}
        if codelist_dir is not None:
            for column in self.columns:
                if column.codelist:
                    self.codelists[column.name] = load_codelist(column.codelist, codelist_dir)
        self._seen: dict[str, dict[str, bool]] = {c.name: {} for c in self.columns}

    def bad_values(self, connection: duckdb.DuckDBPyConnection, batch: str) -> pa.Table:
        fields, values = [], []
        for column in self.columns:
            seen = self._seen[column.name]
            distinct = connection.execute(
                f"SELECT DISTINCT {value_sql(column)} FROM {batch} WHERE {value_sql(column)} IS NOT NULL"
            ).fetchall()
            for (value,) in distinct:
                if value not in seen:
                    seen[value] = self._is_valid(column, value)
                if not seen[value]:
                    fields.append(column.name)
                    values.append(value)
        return pa.table({"field": pa.array(fields, pa.string()), "value": pa.array(values, pa.string())})

    def _is_valid(self, column: Column, value: str) -> bool:
        # The one coded-list parser, shared with the engine's features (coded_lists.py).
        parts = split_codes(value) if column.multiple else [value.strip()]
        check: Callable[[str], bool] = (
            is_valid_snomed_code if column.type is ColumnType.SNOMED_CODE else is_valid_icd10_code
        )
        if not all(check(part) for part in parts):
            return False
        codelist = self.codelists.get(column.name)
        return codelist is None or all(part.replace(".", "") in codelist or part in codelist for part in parts)
