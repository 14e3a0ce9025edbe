"""Reading the linked extract: the loader/linker's output and this engine's only input.

``<data_dir>/linked/`` holds one Parquet file per feed, ``<feed>.parquet``, with the feed's
contract columns plus ``person_id`` (string, never null), and ``persons.parquet`` with one row
per person. A feed that was not delivered is read as an empty table with its contract schema,
so every feature has the same shape whichever partners have joined the INT.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

import ibis
import pyarrow as pa
from ibis.backends import BaseBackend

from octopus.population.feeds import contract


@cache
def load_contracts():
    return contract.load_contracts()


PERSONS_SCHEMA = pa.schema(
    [
        ("person_id", pa.string()),
        ("nhs_number", pa.string()),
        ("given_name", pa.string()),
        ("family_name", pa.string()),
        ("date_of_birth", pa.date32()),
        ("sex", pa.string()),
        ("postcode", pa.string()),
        ("lsoa_code", pa.string()),
        ("practice_ods_code", pa.string()),
        ("registered", pa.bool_()),
        ("ethnicity_snomed_code", pa.string()),
        ("main_language", pa.string()),
        ("interpreter_needed", pa.bool_()),
        ("address_line", pa.string()),
        ("phone", pa.string()),
        ("email", pa.string()),
    ]
)


class LinkedExtractError(ValueError):
    pass


@cache
def feed_schema(feed_name: str) -> pa.Schema:
    """The contract's Arrow schema plus ``person_id``."""
    contract = load_contracts()[feed_name].arrow_schema()
    fields = [pa.field(f.name, f.type, f.nullable) for f in contract]
    return pa.schema([*fields, pa.field("person_id", pa.string(), nullable=False)])


@dataclass
class LinkedExtract:
    """The linked tables on one engine connection."""

    directory: Path
    con: BaseBackend
    persons: ibis.Table
    feeds: dict[str, ibis.Table] = field(default_factory=dict)
    delivered: tuple[str, ...] = ()
    manifest: dict = field(default_factory=dict)

    def feed(self, name: str) -> ibis.Table:
        return self.feeds[name]

    def part(self, index: int, parts: int) -> LinkedExtract:
        """The same extract restricted to one of ``parts`` disjoint groups of persons.

        Every feature is per person, so features built part by part are the features of the
        whole; an engine then needs memory for one part's aggregates at a time. Groups come from
        the engine's hash of person_id (which hash does not matter: any partition gives the
        same rows).
        """
        if parts == 1:
            return self

        def only(table: ibis.Table) -> ibis.Table:
            return table.filter((table.person_id.hash() % parts).abs() == index)

        return LinkedExtract(
            self.directory,
            self.con,
            only(self.persons),
            {name: only(feed) for name, feed in self.feeds.items()},
            self.delivered,
            self.manifest,
        )

    def only(self, persons: ibis.Table) -> LinkedExtract:
        """The same extract restricted to the persons in ``persons`` (a ``person_id`` column).

        Training reads a sample of the residents (``train.in_role_sample``): building features
        for that sample alone spares the engine the others' rows. Each feed keeps the rows of the
        sample (a semi-join, which DuckDB also turns into a filter in the file scan).
        """

        def only(table: ibis.Table) -> ibis.Table:
            return table.semi_join(persons, "person_id")

        return LinkedExtract(
            self.directory,
            self.con,
            only(self.persons),
            {name: only(feed) for name, feed in self.feeds.items()},
            self.delivered,
            self.manifest,
        )


def read_linked(directory: Path | str, con: BaseBackend) -> LinkedExtract:
    directory = Path(directory)
    persons_path = directory / "persons.parquet"
    if not persons_path.is_file():
        raise LinkedExtractError(
            f"No persons.parquet in {directory}: run the loader and linker first "
            "(the pipeline reads <data_dir>/linked/)."
        )
    persons = _read(con, persons_path, "persons")
    missing = set(PERSONS_SCHEMA.names) - set(persons.columns)
    if missing:
        raise LinkedExtractError(f"{persons_path}: missing columns {', '.join(sorted(missing))}.")
    feeds, delivered = {}, []
    for name in sorted(load_contracts()):
        path = directory / f"{name}.parquet"
        if path.is_file():
            feeds[name] = _read(con, path, name)
            if "person_id" not in feeds[name].columns:
                raise LinkedExtractError(f"{path}: no person_id column; was it linked?")
            delivered.append(name)
        else:
            feeds[name] = ibis.memtable(feed_schema(name).empty_table())
    manifest_path = directory / "manifest.json"
    manifest = json.loads(manifest_path.read_text()) if manifest_path.is_file() else {}
    return LinkedExtract(directory, con, persons, feeds, tuple(delivered), manifest)


def _read(con: BaseBackend, path: Path, name: str) -> ibis.Table:
    return con.read_parquet(str(path), table_name=f"linked_{name}")
