"""The identifiers each partner system used for a person, from the linked extract.

Every feed row carries the sender's own person identifier (``source_person_id``: a hospital
number, a FHIR Patient id, a council client id) scoped by ``sender_code``. An analyst joining
Octopus's results back to a partner's extract where there is no NHS number needs those pairs, so
exports can add them as ``sender_code:source_person_id`` pairs, sorted, separated by ``;``.
"""

from __future__ import annotations

from pathlib import Path

import duckdb
import pandas as pd
import pyarrow.parquet as pq

SEPARATOR = ";"


def source_id_files(linked_dir: Path) -> list[Path]:
    """The linked extract's feed files that carry a sender's person identifier."""
    return sorted(
        path
        for path in Path(linked_dir).glob("*.parquet")
        if path.name != "persons.parquet" and "source_person_id" in pq.read_schema(path).names
    )


def source_ids(linked_dir: Path) -> pd.DataFrame:
    """One row per person: ``person_id`` and ``source_ids`` ("RYJ:H1234567;E87008:P001")."""
    files = source_id_files(linked_dir)
    if not files:
        raise FileNotFoundError(f"{linked_dir} holds no linked feed files; link persons first (`octopus feeds link`).")
    union = " UNION ".join(
        f"SELECT person_id, sender_code, source_person_id FROM read_parquet('{path.as_posix()}') "
        "WHERE source_person_id IS NOT NULL AND person_id IS NOT NULL"
        for path in files
    )
    with duckdb.connect() as con:
        return con.execute(
            f"SELECT person_id, string_agg(sender_code || ':' || source_person_id, '{SEPARATOR}' "
            f"ORDER BY sender_code, source_person_id) AS source_ids FROM ({union}) GROUP BY person_id"
        ).df()
