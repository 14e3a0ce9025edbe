"""Build a linked extract folder from tiny text tables, for spec tests and benchmarks.

    write_linked(tmp_path / "linked", {
        "persons": '''
            person_id | date_of_birth | sex
            p1        | 1940-05-01    | female
        ''',
        "apc_spells": '''
            person_id | admission_date | discharge_date | admission_method
            p1        | 2024-03-01     | 2024-03-05     | emergency
        ''',
    })

``secondary_diagnoses`` cells are written space-separated (``I69 F00``) and stored ``|``-joined as
the contract says; a cell given as a row value with a ``|`` is kept as written. Columns not written
are filled: required contract columns with a harmless default (the sender, a row id, the person id
as the sender's id), the rest with null. Empty cells are null.
"""

from __future__ import annotations

import datetime as dt
import textwrap
from decimal import Decimal
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from octopus.population.linked import PERSONS_SCHEMA, feed_schema

_DEFAULTS = {
    "sender_code": "TEST01",
    "provider_ods_code": "RX1",
    "practice_ods_code": "A12345",
    "given_name": "Test",
    "family_name": "Resident",
    "sex": "unknown",
    "mode": "face_to_face",
    "organisation_name": "Test VCSE",
    "care_home_name": "Test Home",
    "care_home_type": "residential",
    "arrival_mode": "other",
    "department_type": "type_1",
    "disposal": "discharged",
    "treatment_function_code": "300",
    "attendance": "attended",
    "first_or_follow_up": "follow_up",
    "staff_role": "gp",
    "status": "attended",
    "team_type": "community_mental_health",
    "crisis": False,
    "outcome": "conveyed",
    "service": "district_nursing",
    "need_domain": "other",
    "package_type": "home_care",
    "registered": True,
}


def parse_table(text: str) -> list[dict[str, str]]:
    lines = [line for line in textwrap.dedent(text).strip().splitlines() if line.strip()]
    header = [cell.strip() for cell in lines[0].split("|")]
    return [dict(zip(header, (cell.strip() for cell in line.split("|")), strict=True)) for line in lines[1:]]


def _value(text, field: pa.Field):
    if text is None or text == "":
        return None
    if isinstance(text, str) and pa.types.is_decimal(field.type):
        return Decimal(text)
    if not isinstance(text, str):
        return text
    if field.name == "secondary_diagnoses" and "|" not in text:
        return "|".join(text.split())
    kind = field.type
    if pa.types.is_date(kind):
        return dt.date.fromisoformat(text)
    if pa.types.is_timestamp(kind):
        return dt.datetime.fromisoformat(text)
    if pa.types.is_boolean(kind):
        return text.lower() in ("true", "yes", "1")
    if pa.types.is_integer(kind):
        return int(text)
    if pa.types.is_decimal(kind):
        return Decimal(text)
    if pa.types.is_floating(kind):
        return float(text)
    return text


def table_from_rows(rows: list[dict], schema: pa.Schema, name: str) -> pa.Table:
    columns = {}
    for field in schema:
        values = []
        for index, row in enumerate(rows):
            value = _value(row.get(field.name), field)
            if value is None and field.name not in row:
                value = _default(field, row, index, name)
            values.append(value)
        columns[field.name] = pa.array(values, type=field.type)
    return pa.table(columns, schema=pa.schema([pa.field(f.name, f.type) for f in schema]))


def _default(field: pa.Field, row: dict, index: int, name: str):
    if field.name == "source_record_id":
        return f"{name}-{index + 1}"
    if field.name == "source_person_id":
        return row.get("person_id")
    if field.name == "nhs_number" and name == "persons":
        return None
    if not field.nullable or field.name in ("registered",):
        if field.name in _DEFAULTS:
            return _DEFAULTS[field.name]
        if pa.types.is_date(field.type):
            return dt.date(2000, 1, 1)
        if pa.types.is_timestamp(field.type):
            return dt.datetime(2000, 1, 1)
    return None


def write_linked(directory: Path | str, tables: dict[str, str | list[dict]]) -> Path:
    """Write ``persons.parquet`` and one Parquet file per feed named in ``tables``."""
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    for name, content in tables.items():
        rows = parse_table(content) if isinstance(content, str) else content
        schema = PERSONS_SCHEMA if name == "persons" else feed_schema(name)
        pq.write_table(table_from_rows(rows, schema, name), directory / f"{name}.parquet")
    if "persons" not in tables:
        raise ValueError("A linked extract needs a persons table.")
    return directory
