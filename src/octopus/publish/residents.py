"""Linked persons into ``residents.Resident`` (demographics) and their households."""

import hashlib
from collections.abc import Callable
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc

from octopus.core import bulk
from octopus.residents.models import Household, Resident

from .inputs import BATCH, DEMOGRAPHIC_FIELDS, arrow_batches, clean

# Persons per batch: each is one COPY (PostgreSQL) or a few executemany chunks (SQLite).
ROWS = 50_000


def household_key(address_line: str, postcode: str) -> str:
    """People sharing an address line and postcode form a household (no UPRN in the feeds).

    A fixed-length digest of the normalised address, so any address fits the 40-character key
    (PostgreSQL enforces the length; SQLite does not, which hid this until the PostgreSQL pass).
    """
    normalised = f"{' '.join(address_line.upper().split())}|{postcode.replace(' ', '').upper()}"
    return "H" + hashlib.sha256(normalised.encode()).hexdigest()[:32]


def _text(column: pa.Array) -> pa.Array:
    """A demographic column as the resident's text field stores it: missing (or NaN) is ""."""
    if pa.types.is_floating(column.type):
        column = pc.if_else(pc.is_nan(column), pa.scalar(None, column.type), column)
    if not pa.types.is_string(column.type):
        column = pc.cast(column, pa.string())
    return pc.fill_null(column, "")


def _demographics(batch: pa.RecordBatch) -> list[pa.Array]:
    """``DEMOGRAPHIC_FIELDS`` of a batch of linked persons, as stored: text fields "" when missing,
    sex "unknown", the two yes/no fields no when missing."""
    columns = []
    for name in DEMOGRAPHIC_FIELDS:
        column = batch.column(name)
        if name == "date_of_birth":
            column = column if pa.types.is_date32(column.type) else pc.cast(column, pa.date32())
        elif name in ("registered", "interpreter_needed"):
            column = pc.fill_null(pc.cast(column, pa.bool_()), False)
        else:
            column = _text(column)
            if name == "sex":
                column = pc.if_else(pc.equal(column, ""), "unknown", column)
        columns.append(column)
    return columns


def _add_households(rows: list[tuple]) -> dict[str, int]:
    """New households (household_id, address line, postcode, LSOA) -> their primary keys."""
    fields = ["household_id", "address_line", "postcode", "lsoa_code"]
    ids = bulk.allocate_ids(Household, len(rows))
    if ids is not None:  # PostgreSQL: switched in with the residents, keys taken now
        columns = [pa.array(ids, pa.int64()), *(pa.array(column, pa.string()) for column in zip(*rows, strict=True))]
        bulk.insert_batches(Household, ["id", *fields], [pa.RecordBatch.from_arrays(columns, names=["id", *fields])])
        return {row[0]: pk for pk, row in zip(ids, rows, strict=True)}
    bulk.insert(Household, fields, rows)
    keys = [row[0] for row in rows]
    return {
        household: pk
        for start in range(0, len(keys), BATCH)
        for household, pk in Household.objects.filter(household_id__in=keys[start : start + BATCH]).values_list(
            "household_id", "pk"
        )
    }


def publish_persons(
    persons_path: Path, existing: dict[str, int], progress: Callable[[int], None]
) -> tuple[int, int, dict[str, int]]:
    """Upsert every linked person's demographics and household; returns the count of residents,
    of households, and person_id -> primary key for every published resident.

    Columns go to the database as Arrow arrays (staged as CSV on PostgreSQL); Python sees a row
    only for its household key and primary key."""
    households: dict[str, int] = dict(Household.objects.values_list("household_id", "pk"))
    given = ["person_id", *DEMOGRAPHIC_FIELDS, "household_id"]
    # What a resident published for the first time starts with (the snapshot fields come next):
    # the same for everyone, so converted for the database once, not once a row.
    template = Resident()
    starting = {
        f.attname: getattr(template, f.attname)
        for f in Resident._meta.concrete_fields
        if not f.primary_key and f.attname not in given
    }
    known = dict(existing)
    seen: dict[tuple, str | None] = {}  # (address line, postcode) -> household key
    total = 0
    allocated = None
    for batch in arrow_batches(persons_path, ["person_id", *DEMOGRAPHIC_FIELDS], ROWS):
        people = batch.column("person_id").to_pylist()
        places = zip(
            batch.column("address_line").to_pylist(),
            batch.column("postcode").to_pylist(),
            batch.column("lsoa_code").to_pylist(),
            strict=True,
        )
        keys, new_households = [], {}
        for address, postcode, lsoa in places:
            # Most households have several residents: their key is worked out once.
            if (key := seen.get((address, postcode), False)) is False:
                key = seen[address, postcode] = household_key(address, postcode) if address and postcode else None
            keys.append(key)
            if key and key not in households and key not in new_households:
                new_households[key] = (key, address, postcode, clean(lsoa))
        if new_households:
            households.update(_add_households(list(new_households.values())))
        # PostgreSQL stages the whole publish before any of it is written (decision 0057), so new
        # residents take their keys from the sequence now, for the timeline to refer to them.
        arriving = [person for person in people if person not in known]
        allocated = bulk.allocate_ids(Resident, len(arriving))
        columns = [
            batch.column("person_id"),
            *_demographics(batch),
            pa.array([households.get(key) for key in keys], pa.int64()),
        ]
        if allocated is not None:
            known.update(zip(arriving, allocated, strict=True))
            columns.insert(0, pa.array([known[person] for person in people], pa.int64()))
        bulk.upsert_batches(
            Resident,
            given if allocated is None else ["id", *given],
            "person_id",
            [*DEMOGRAPHIC_FIELDS, "household_id"],
            [pa.RecordBatch.from_arrays(columns, names=[str(i) for i in range(len(columns))])],
            constants=starting,
        )
        total += batch.num_rows
        progress(batch.num_rows)
    if allocated is None:
        known = dict(Resident.objects.values_list("person_id", "pk"))
    return total, len(households), known
