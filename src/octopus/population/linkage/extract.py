"""The linked extract: what the population pipeline reads (docs/reference/linked-extract.md).

`<data_dir>/linked/` holds `<feed>.parquet` for all 15 feeds (current rows, contract columns plus
`person_id`), `persons.parquet` (one row per person) and `manifest.json`. It is written into a
temporary folder and swapped in by rename, so a reader sees the old extract or the new one,
never half of one.
"""

from __future__ import annotations

import json
import shutil
from datetime import datetime
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from octopus.clock import london_today, utc_stamp
from octopus.population.feeds.contract import Feed
from octopus.population.feeds.store import FeedStore, feed_table

PERSON_COLUMNS = (
    "person_id",
    "nhs_number",
    "given_name",
    "family_name",
    "date_of_birth",
    "sex",
    "postcode",
    "lsoa_code",
    "practice_ods_code",
    "registered",
    "ethnicity_snomed_code",
    "main_language",
    "interpreter_needed",
    "address_line",
    "phone",
    "email",
)

# Registrations current on London's today (octopus.clock), the one clock the product uses.
_PERSONS_SQL = """
WITH reg AS (
    SELECT rp.person_id, g.*, row_number() OVER (
        PARTITION BY rp.person_id
        ORDER BY g.registration_start_date DESC, g._delivered_at DESC, g.source_record_id) AS n
    FROM feed_gp_registrations g
    JOIN record_persons rp ON rp.feed = 'gp_registrations' AND rp.sender_code = g.sender_code
         AND rp.source_record_id = g.source_record_id
    WHERE g._superseded_by IS NULL AND (g.registration_end_date IS NULL OR g.registration_end_date > DATE '{today}')
), other AS (
    SELECT sp.person_id, u.*, row_number() OVER (
        PARTITION BY sp.person_id ORDER BY
            (u.given_name IS NOT NULL)::INT + (u.family_name IS NOT NULL)::INT + (u.date_of_birth IS NOT NULL)::INT
            + (u.sex IS NOT NULL)::INT + (u.postcode IS NOT NULL)::INT DESC, u.unit_key) AS n
    FROM source_persons sp JOIN link_units u USING (unit_key)
), nhs AS (
    SELECT sp.person_id, min(u.nhs_number) AS nhs_number
    FROM source_persons sp JOIN link_units u USING (unit_key) GROUP BY sp.person_id
)
SELECT p.person_id,
    coalesce(reg.nhs_number, nhs.nhs_number) AS nhs_number,
    CASE WHEN reg.person_id IS NOT NULL THEN reg.given_name ELSE other.given_name END AS given_name,
    CASE WHEN reg.person_id IS NOT NULL THEN reg.family_name ELSE other.family_name END AS family_name,
    CAST(CASE WHEN reg.person_id IS NOT NULL THEN reg.date_of_birth ELSE other.date_of_birth END AS DATE)
        AS date_of_birth,
    CASE WHEN reg.person_id IS NOT NULL THEN reg.sex ELSE other.sex END AS sex,
    CASE WHEN reg.person_id IS NOT NULL THEN reg.postcode ELSE other.postcode END AS postcode,
    reg.lsoa_code, reg.practice_ods_code, reg.person_id IS NOT NULL AS registered,
    reg.ethnicity_snomed_code, reg.main_language, reg.interpreter_needed, reg.address_line, reg.phone, reg.email
FROM (SELECT DISTINCT person_id FROM source_persons) p
LEFT JOIN reg ON reg.person_id = p.person_id AND reg.n = 1
LEFT JOIN other ON other.person_id = p.person_id AND other.n = 1
LEFT JOIN nhs ON nhs.person_id = p.person_id
ORDER BY p.person_id
"""


PERSONS_SCHEMA = pa.schema(
    [pa.field("person_id", pa.string(), nullable=False)]
    + [pa.field(name, pa.string()) for name in ("nhs_number", "given_name", "family_name")]
    + [pa.field("date_of_birth", pa.date32())]
    + [pa.field(name, pa.string()) for name in ("sex", "postcode", "lsoa_code", "practice_ods_code")]
    + [pa.field("registered", pa.bool_(), nullable=False)]
    + [pa.field(name, pa.string()) for name in ("ethnicity_snomed_code", "main_language")]
    + [pa.field("interpreter_needed", pa.bool_())]
    + [pa.field(name, pa.string()) for name in ("address_line", "phone", "email")],
    metadata={"table": "persons", "version": "1.0.0"},
)


def _feed_schema(feed: Feed) -> pa.Schema:
    schema = feed.arrow_schema()
    return schema.append(pa.field("person_id", pa.string(), nullable=False)).with_metadata(schema.metadata)


def _write_parquet(con, select: str, schema: pa.Schema, path: Path) -> None:
    """Stream the query into Parquet with exactly the published schema (types, nullability)."""
    con.execute("SELECT 1").fetchall()  # DuckDB 2 refuses a new query while a result is unread
    reader = con.sql(select).to_arrow_reader(500_000)
    with pq.ParquetWriter(path, schema) as writer:
        for batch in reader:
            writer.write_table(pa.Table.from_batches([batch]).rename_columns(schema.names).cast(schema))


class ExtractError(RuntimeError):
    """The extract could not be written; the previous extract is left in place."""


def write_linked_extract(store: FeedStore, target: Path | None = None) -> Path:
    """Write the linked extract for the latest link run and swap it into place; return its folder."""
    con = store.connection
    target = target or store.data_dir / "linked"
    staging = target.with_name(f"{target.name}.tmp-{datetime.now():%Y%m%d%H%M%S%f}")
    staging.mkdir(parents=True)
    try:
        counts = {}
        for name, feed in sorted(store.contracts.items()):
            columns = ", ".join(f'f."{c}"' for c in feed.column_names)
            select = (
                f"SELECT {columns}, rp.person_id FROM {feed_table(name)} f LEFT JOIN record_persons rp "
                f"ON rp.feed = '{name}' AND rp.sender_code = f.sender_code "
                "AND rp.source_record_id = f.source_record_id "
                "WHERE f._superseded_by IS NULL ORDER BY f.sender_code, f.source_record_id"
            )
            unlinked = con.execute(f"SELECT count(*) FROM ({select}) WHERE person_id IS NULL").fetchone()[0]
            if unlinked:
                raise ExtractError(
                    f"{unlinked} current {name} rows have no person; run `octopus feeds link` before writing the "
                    "extract."
                )
            _write_parquet(con, select, _feed_schema(feed), staging / f"{name}.parquet")
            counts[name] = con.execute(f"SELECT count(*) FROM ({store.current_rows_sql(name)})").fetchone()[0]
        persons_sql = _PERSONS_SQL.replace("{today}", london_today().isoformat())
        _write_parquet(con, persons_sql, PERSONS_SCHEMA, staging / "persons.parquet")
        persons = con.execute(f"SELECT count(*) FROM ({persons_sql})").fetchone()[0]
        (staging / "manifest.json").write_text(json.dumps(_manifest(store, counts, persons), indent=2) + "\n")
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    _swap_in(staging, target)
    return target


def _manifest(store: FeedStore, counts: dict[str, int], persons: int) -> dict:
    con = store.connection
    deliveries = [
        {"delivery_id": d, "feed": f, "file_name": n, "sha256": s, "delivered_at": str(t)}
        for d, f, n, s, t in con.execute(
            "SELECT delivery_id, feed, file_name, sha256, delivered_at FROM deliveries ORDER BY sequence"
        ).fetchall()
    ]
    run = con.execute("SELECT max(run_id) FROM link_runs").fetchone()[0]
    return {
        "extract_version": "1.0.0",
        "created_at": utc_stamp().isoformat(),
        "link_run_id": run,
        "row_counts": counts,
        "persons": persons,
        "contract_versions": {name: feed.version for name, feed in sorted(store.contracts.items())},
        "deliveries": deliveries,
    }


def _swap_in(staging: Path, target: Path) -> None:
    # Two renames on one file system; a reader between them finds no folder rather than a mix.
    previous = target.with_name(f"{target.name}.old-{staging.name.rsplit('-', 1)[1]}")
    if target.exists():
        target.rename(previous)
    staging.rename(target)
    shutil.rmtree(previous, ignore_errors=True)
