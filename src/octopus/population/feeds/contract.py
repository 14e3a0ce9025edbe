"""The partner data feed contracts: what each partner sends, column by column.

A contract is data (one YAML file per feed in `contracts/`) read into a small immutable model,
validated on construction. The synthetic generator writes feeds from it, the loader checks
deliveries against it, and the analytics pipeline reads loaded feeds through its Arrow schema.
Decision record: docs/decisions/0002-feed-contracts.md.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import Enum, StrEnum
from pathlib import Path
from types import MappingProxyType
from typing import Any

import pyarrow as pa
import yaml

CONTRACTS_DIR = Path(__file__).parent / "contracts"


class ContractError(ValueError):
    """A contract file, or a contract built in code, is malformed.

    The message names the file (when there is one) and the field, so whoever edits the YAML
    can go straight to the mistake.
    """

    def __init__(self, reason: str, *, path: Path | str | None = None, field: str | None = None):
        self.reason = reason
        self.path = Path(path) if path is not None else None
        self.field = field
        where = ", ".join(
            part for part in (f"in {self.path}" if self.path else "", f"at {field}" if field else "") if part
        )
        super().__init__(f"Feed contract error {where}: {reason}" if where else reason)


class ColumnType(StrEnum):
    """The type of a column's values, as sent (CSV text or Parquet) and as loaded (Arrow)."""

    STRING = "string"
    INTEGER = "integer"
    DECIMAL = "decimal"
    BOOLEAN = "boolean"
    DATE = "date"
    DATETIME = "datetime"
    NHS_NUMBER = "nhs_number"
    SNOMED_CODE = "snomed_code"
    ICD10_CODE = "icd10_code"
    POSTCODE = "postcode"
    CODE = "code"


class PartnerKind(StrEnum):
    """The kind of organisation that sends a feed."""

    GP_PRACTICE = "gp_practice"
    ACUTE_TRUST = "acute_trust"
    AMBULANCE_SERVICE = "ambulance_service"
    COMMUNITY_TRUST = "community_trust"
    MENTAL_HEALTH_TRUST = "mental_health_trust"
    LOCAL_AUTHORITY = "local_authority"
    VCSE = "vcse"
    NATIONAL_DATA_SERVICE = "national_data_service"


# Precision 18 keeps every decimal inside a 64-bit integer in Parquet and well under Spark's
# limit of 38, while leaving 16 integer digits for a cost in pounds.
DECIMAL_PRECISION = 18

# Every datetime is London wall-clock time without an offset (see the decision record): that is
# what partner systems record, and one spelling avoids DuckDB/Spark session-time-zone surprises.
_ARROW_TYPES: Mapping[ColumnType, pa.DataType] = MappingProxyType(
    {
        ColumnType.STRING: pa.string(),
        ColumnType.INTEGER: pa.int64(),
        ColumnType.BOOLEAN: pa.bool_(),
        ColumnType.DATE: pa.date32(),
        ColumnType.DATETIME: pa.timestamp("us"),
        ColumnType.NHS_NUMBER: pa.string(),
        ColumnType.SNOMED_CODE: pa.string(),
        ColumnType.ICD10_CODE: pa.string(),
        ColumnType.POSTCODE: pa.string(),
        ColumnType.CODE: pa.string(),
    }
)

# Separator inside a `multiple` column. A list travels as text in CSV and Parquet alike, so
# the same Arrow schema reads both formats; the pipeline splits it where it needs to.
MULTIPLE_SEPARATOR = "|"

# Columns every feed has, and the columns the person linker compares. Fixing their names and
# types here lets the loader and linker treat every feed alike.
SENDER_CODE = "sender_code"
SOURCE_RECORD_ID = "source_record_id"
SOURCE_PERSON_ID = "source_person_id"
LINKAGE_COLUMNS: tuple[str, ...] = (
    "nhs_number",
    "given_name",
    "family_name",
    "date_of_birth",
    "sex",
    "postcode",
)
_STANDARD_COLUMN_TYPES: Mapping[str, ColumnType] = MappingProxyType(
    {
        SENDER_CODE: ColumnType.STRING,
        SOURCE_RECORD_ID: ColumnType.STRING,
        SOURCE_PERSON_ID: ColumnType.STRING,
        "nhs_number": ColumnType.NHS_NUMBER,
        "given_name": ColumnType.STRING,
        "family_name": ColumnType.STRING,
        "date_of_birth": ColumnType.DATE,
        "sex": ColumnType.CODE,
        "postcode": ColumnType.POSTCODE,
    }
)
# Person-identifying whatever the feed: analysts work on pseudonymised data, so the pipeline
# must be able to find every one of these from the contract alone.
IDENTIFIER_COLUMN_NAMES: frozenset[str] = frozenset(
    {SOURCE_PERSON_ID, *LINKAGE_COLUMNS, "address_line", "phone", "email"}
)

_NAME = re.compile(r"[a-z][a-z0-9_]*")
_CODE_VALUE = re.compile(r"[a-z0-9][a-z0-9_]*")
# Semantic Versioning 2.0.0 core (https://semver.org): MAJOR.MINOR.PATCH without leading zeros.
_SEMVER = re.compile(r"(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)")
_STRING_LIKE = frozenset({ColumnType.STRING, ColumnType.CODE, ColumnType.SNOMED_CODE, ColumnType.ICD10_CODE})
_NUMERIC = frozenset({ColumnType.INTEGER, ColumnType.DECIMAL})


@dataclass(frozen=True)
class Code:
    """One allowed value of a `code` column and what it means."""

    value: str
    description: str

    def __post_init__(self) -> None:
        if not isinstance(self.value, str) or not _CODE_VALUE.fullmatch(self.value):
            raise ContractError(
                f"code value {self.value!r} must be lower-case letters, digits and underscores",
                field="value",
            )
        _require_text(self.description, "description")


@dataclass(frozen=True)
class Column:
    """One column of a feed.

    `codes` lists the allowed values of a `code` column. `codelist` names a shipped code list
    (file stem in the code-list directory) that a SNOMED CT or ICD-10 column's values must
    belong to. `pattern` is a regular expression a `string` column's values must match in full.
    `multiple` columns hold several values joined by `MULTIPLE_SEPARATOR`.
    """

    name: str
    type: ColumnType
    required: bool
    description: str
    identifier: bool = False
    codes: tuple[Code, ...] = ()
    codelist: str | None = None
    pattern: str | None = None
    scale: int | None = None
    minimum: int | float | None = None
    maximum: int | float | None = None
    multiple: bool = False

    def __post_init__(self) -> None:
        if not isinstance(self.name, str) or not _NAME.fullmatch(self.name):
            raise ContractError(f"column name {self.name!r} must be snake_case (a-z, 0-9, _)", field="name")
        if not isinstance(self.type, ColumnType):
            raise ContractError(f"type must be a ColumnType, not {self.type!r}", field="type")
        for flag in ("required", "identifier", "multiple"):
            if not isinstance(getattr(self, flag), bool):
                raise ContractError(f"{flag} must be true or false", field=flag)
        _require_text(self.description, "description")
        self._check_codes()
        self._check_options()
        self._check_standard_column()

    def _check_codes(self) -> None:
        if self.type is ColumnType.CODE and not self.codes:
            raise ContractError("a column of type 'code' must list its allowed codes", field="codes")
        if self.type is not ColumnType.CODE and self.codes:
            raise ContractError("only a column of type 'code' may list codes", field="codes")
        values = [code.value for code in self.codes]
        duplicates = sorted({value for value in values if values.count(value) > 1})
        if duplicates:
            raise ContractError(f"duplicate codes {duplicates}", field="codes")

    def _check_options(self) -> None:
        if self.codelist is not None and (
            self.type not in (ColumnType.SNOMED_CODE, ColumnType.ICD10_CODE)
            or not re.fullmatch(r"[A-Za-z0-9_.-]+", self.codelist)
        ):
            raise ContractError(
                "codelist must be a code-list file name, on a snomed_code or icd10_code column",
                field="codelist",
            )
        if self.pattern is not None:
            if self.type is not ColumnType.STRING:
                raise ContractError("only a 'string' column may have a pattern", field="pattern")
            try:
                re.compile(self.pattern)
            except re.error as error:
                raise ContractError(f"pattern is not a valid regex: {error}", field="pattern") from None
        if self.type is ColumnType.DECIMAL:
            if not isinstance(self.scale, int) or not 0 <= self.scale <= 6:
                raise ContractError("a decimal column needs a scale from 0 to 6", field="scale")
        elif self.scale is not None:
            raise ContractError("only a 'decimal' column may have a scale", field="scale")
        for bound in ("minimum", "maximum"):
            value = getattr(self, bound)
            if value is not None and (self.type not in _NUMERIC or isinstance(value, bool)):
                raise ContractError(f"only integer or decimal columns may have a {bound}", field=bound)
        if self.multiple and self.type not in _STRING_LIKE:
            raise ContractError(
                "only string, code, snomed_code or icd10_code columns may be multiple",
                field="multiple",
            )

    def _check_standard_column(self) -> None:
        expected_type = _STANDARD_COLUMN_TYPES.get(self.name)
        if expected_type is not None and self.type is not expected_type:
            raise ContractError(
                f"column '{self.name}' must have type '{expected_type.value}' in every feed",
                field="type",
            )
        must_identify = self.name in IDENTIFIER_COLUMN_NAMES or self.type is ColumnType.NHS_NUMBER
        if must_identify and not self.identifier:
            raise ContractError(
                f"column '{self.name}' identifies a person, so it must say identifier: true",
                field="identifier",
            )

    @property
    def allowed_values(self) -> frozenset[str]:
        """The allowed values of a `code` column (empty for other types)."""
        return frozenset(code.value for code in self.codes)

    def arrow_type(self) -> pa.DataType:
        if self.type is ColumnType.DECIMAL:
            return pa.decimal128(DECIMAL_PRECISION, self.scale)
        return _ARROW_TYPES[self.type]

    def arrow_field(self) -> pa.Field:
        metadata = {
            "description": self.description,
            "type": self.type.value,
            "identifier": str(self.identifier).lower(),
        }
        if self.codes:
            metadata["codes"] = MULTIPLE_SEPARATOR.join(code.value for code in self.codes)
        return pa.field(self.name, self.arrow_type(), nullable=not self.required, metadata=metadata)


@dataclass(frozen=True)
class Feed:
    """One partner feed: its identity, meaning, record key and columns.

    `key` is the record key for supersession: a newer delivery of a row with the same key
    replaces the older one. `event_date` names the date or datetime column that places a row
    in time (None for registers such as adult social care clients).
    """

    name: str
    version: str
    title: str
    partner: PartnerKind
    description: str
    key: tuple[str, ...]
    event_date: str | None
    columns: tuple[Column, ...]
    _by_name: Mapping[str, Column] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        if not isinstance(self.name, str) or not _NAME.fullmatch(self.name):
            raise ContractError(f"feed name {self.name!r} must be snake_case", field="name")
        if not isinstance(self.version, str) or not _SEMVER.fullmatch(self.version):
            raise ContractError(f"version {self.version!r} must be semantic, MAJOR.MINOR.PATCH", field="version")
        _require_text(self.title, "title")
        _require_text(self.description, "description")
        if not isinstance(self.partner, PartnerKind):
            raise ContractError(f"partner must be a PartnerKind, not {self.partner!r}", field="partner")
        by_name: dict[str, Column] = {}
        for index, column in enumerate(self.columns):
            if column.name in by_name:
                raise ContractError(f"duplicate column '{column.name}'", field=f"columns[{index}].name")
            by_name[column.name] = column
        object.__setattr__(self, "_by_name", MappingProxyType(by_name))
        self._check_standard_columns()
        self._check_key()
        self._check_event_date()

    def _check_standard_columns(self) -> None:
        for name in (SENDER_CODE, SOURCE_RECORD_ID):
            if name not in self._by_name or not self._by_name[name].required:
                raise ContractError(f"every feed needs a required '{name}' column", field="columns")
        if not self._by_name.keys() & {SOURCE_PERSON_ID, "nhs_number"}:
            raise ContractError(
                "every feed needs 'source_person_id' or 'nhs_number' to say whose record it is",
                field="columns",
            )

    def _check_key(self) -> None:
        if not self.key or len(set(self.key)) != len(self.key):
            raise ContractError("key must list one or more distinct column names", field="key")
        for name in self.key:
            if name not in self._by_name:
                raise ContractError(f"key column '{name}' is not a column of the feed", field="key")
            if not self._by_name[name].required:
                raise ContractError(f"key column '{name}' must be required", field="key")

    def _check_event_date(self) -> None:
        if self.event_date is None:
            return
        column = self._by_name.get(self.event_date)
        if column is None or column.type not in (ColumnType.DATE, ColumnType.DATETIME):
            raise ContractError(
                f"event_date '{self.event_date}' must name a date or datetime column",
                field="event_date",
            )
        if not column.required:
            raise ContractError(f"event_date column '{self.event_date}' must be required", field="event_date")

    def column(self, name: str) -> Column:
        try:
            return self._by_name[name]
        except KeyError:
            raise KeyError(f"feed '{self.name}' has no column '{name}'") from None

    @property
    def column_names(self) -> tuple[str, ...]:
        return tuple(column.name for column in self.columns)

    @property
    def required_columns(self) -> tuple[Column, ...]:
        return tuple(column for column in self.columns if column.required)

    @property
    def identifier_columns(self) -> tuple[Column, ...]:
        """Person-identifying columns: pseudonymise or drop them before analysts see the feed."""
        return tuple(column for column in self.columns if column.identifier)

    @property
    def linkage_columns(self) -> tuple[str, ...]:
        """The `LINKAGE_COLUMNS` this feed carries, in `LINKAGE_COLUMNS` order."""
        return tuple(name for name in LINKAGE_COLUMNS if name in self._by_name)

    def arrow_schema(self) -> pa.Schema:
        """The Arrow schema of the feed; required columns are not nullable."""
        return pa.schema(
            [column.arrow_field() for column in self.columns],
            metadata={"feed": self.name, "version": self.version},
        )


def _require_text(value: Any, field_name: str) -> None:
    if not isinstance(value, str) or not value.strip():
        raise ContractError(f"{field_name} must be non-empty text", field=field_name)


# --- reading contract files -------------------------------------------------------------------

_FEED_KEYS = {"name", "version", "title", "partner", "description", "key", "event_date", "columns"}
_FEED_REQUIRED = _FEED_KEYS - {"event_date"}
_COLUMN_KEYS = {
    "name",
    "type",
    "required",
    "description",
    "identifier",
    "codes",
    "codelist",
    "pattern",
    "scale",
    "minimum",
    "maximum",
    "multiple",
}
_COLUMN_REQUIRED = {"name", "type", "required", "description"}


# libyaml's loader where PyYAML has it: the same documents, and every run of the engine reads all
# sixteen contracts (0.2 s in pure Python, a tenth of a start-up's CPU).
_YAML_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def load_feed(path: Path | str) -> Feed:
    """Read one contract file; raise ContractError naming the file and field if it is malformed."""
    path = Path(path)
    try:
        document = yaml.load(path.read_text(encoding="utf-8"), Loader=_YAML_LOADER)
    except yaml.YAMLError as error:
        raise ContractError(f"not valid YAML: {error}", path=path) from None
    if not isinstance(document, dict):
        raise ContractError("the file must hold one mapping of feed fields", path=path)
    try:
        feed = _feed_from_mapping(document)
    except ContractError as error:
        raise ContractError(error.reason, path=path, field=error.field) from None
    if feed.name != path.stem:
        raise ContractError(
            f"feed name '{feed.name}' must match the file name '{path.stem}'",
            path=path,
            field="name",
        )
    return feed


def load_contracts(directory: Path | str = CONTRACTS_DIR) -> Mapping[str, Feed]:
    """Every contract in `directory` (the shipped contracts by default), by feed name."""
    paths = sorted(Path(directory).glob("*.yaml"))
    if not paths:
        raise ContractError(f"no *.yaml contract files found in {directory}")
    if Path(directory).resolve() != CONTRACTS_DIR.resolve():
        return _read_contracts(paths)
    # Every feed store opened reads the shipped contracts (each intake page, each load); parsing
    # sixteen YAML files costs about a tenth of a second. What was read is immutable, so it is kept
    # until a file is edited (names, modification times and sizes are the key).
    global _SHIPPED
    signature = tuple((path.name, *_stat_key(path)) for path in paths)
    if _SHIPPED is None or _SHIPPED[0] != signature:
        _SHIPPED = (signature, _read_contracts(paths))
    return _SHIPPED[1]


_SHIPPED: tuple[tuple, Mapping[str, Feed]] | None = None


def _read_contracts(paths: list[Path]) -> Mapping[str, Feed]:
    return MappingProxyType({path.stem: load_feed(path) for path in paths})


def _stat_key(path: Path) -> tuple[int, int]:
    stat = path.stat()
    return stat.st_mtime_ns, stat.st_size


def _feed_from_mapping(document: dict[str, Any]) -> Feed:
    _check_keys(document, _FEED_KEYS, _FEED_REQUIRED, prefix="")
    columns = document["columns"]
    if not isinstance(columns, list) or not columns:
        raise ContractError("columns must be a non-empty list", field="columns")
    key = document["key"]
    if not isinstance(key, list) or not all(isinstance(name, str) for name in key):
        raise ContractError("key must be a list of column names", field="key")
    return Feed(
        name=document["name"],
        version=document["version"],
        title=document["title"],
        partner=_enum(PartnerKind, document["partner"], "partner"),
        description=document["description"],
        key=tuple(key),
        event_date=document.get("event_date"),
        columns=tuple(_column_from_mapping(column, index) for index, column in enumerate(columns)),
    )


def _column_from_mapping(document: Any, index: int) -> Column:
    prefix = f"columns[{index}]"
    if not isinstance(document, dict):
        raise ContractError("each column must be a mapping", field=prefix)
    if isinstance(document.get("name"), str):
        prefix = f"columns[{index}] ({document['name']})"
    _check_keys(document, _COLUMN_KEYS, _COLUMN_REQUIRED, prefix=f"{prefix}.")
    try:
        return Column(
            name=document["name"],
            type=_enum(ColumnType, document["type"], "type"),
            required=document["required"],
            description=document["description"],
            identifier=document.get("identifier", False),
            codes=_codes_from_mapping(document.get("codes")),
            codelist=document.get("codelist"),
            pattern=document.get("pattern"),
            scale=document.get("scale"),
            minimum=document.get("minimum"),
            maximum=document.get("maximum"),
            multiple=document.get("multiple", False),
        )
    except ContractError as error:
        raise ContractError(error.reason, field=f"{prefix}.{error.field}") from None


def _codes_from_mapping(codes: Any) -> tuple[Code, ...]:
    if codes is None:
        return ()
    if not isinstance(codes, dict):
        raise ContractError("codes must map each allowed value to its meaning", field="codes")
    built = []
    for value, description in codes.items():
        try:
            built.append(Code(value=value, description=description))
        except ContractError as error:
            raise ContractError(error.reason, field=f"codes.{value}") from None
    return tuple(built)


def _check_keys(document: dict[str, Any], allowed: set[str], required: set[str], prefix: str) -> None:
    # Unknown fields are reported first: a misspelt field is usually why a required one is missing.
    unknown = sorted(str(key) for key in set(document) - allowed)
    missing = sorted(required - document.keys())
    if unknown:
        also = f"; also missing {', '.join(missing)}" if missing else ""
        raise ContractError(
            f"unknown field {unknown[0]!r}; expected one of {', '.join(sorted(allowed))}{also}",
            field=f"{prefix}{unknown[0]}",
        )
    if missing:
        raise ContractError(f"missing {', '.join(missing)}", field=f"{prefix}{missing[0]}")


def _enum(kind: type[Enum], value: Any, field_name: str) -> Any:
    try:
        return kind(value)
    except ValueError:
        allowed = ", ".join(member.value for member in kind)
        raise ContractError(f"unknown {field_name} {value!r}; expected one of {allowed}", field=field_name) from None
