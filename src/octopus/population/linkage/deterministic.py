"""Source persons, and linking them on NHS number.

A *source person* is who a sender means by one of its person ids: `(sender_code,
source_person_id)`, shared by all that sender's feeds — so `gp_events` reach a person through the
same practice's `gp_registrations`, and `asc_packages` through the council's `asc_clients`
(decision 0002). A row without a person id (`deaths`, and some care-home, ambulance and VCSE
rows) is a source person of its own, keyed by feed and record.

Source persons with a valid NHS number link on it: the same number is the same person. The
others go to the probabilistic linker with whatever demographics their rows carry.
"""

from __future__ import annotations

import math
from collections.abc import Callable

from octopus.population.feeds.contract import LINKAGE_COLUMNS
from octopus.population.feeds.store import FeedStore, feed_table

DEMOGRAPHICS = ("given_name", "family_name", "date_of_birth", "sex", "postcode")


def unit_key_sql(feed_name: str, has_person_id: bool) -> str:
    by_record = f"'{feed_name}:' || sender_code || '/' || source_record_id"
    if not has_person_id:
        return by_record
    return f"CASE WHEN source_person_id IS NOT NULL THEN sender_code || '/' || source_person_id ELSE {by_record} END"


def build_record_units(store: FeedStore) -> None:
    """`link_records`: every current row, its source person (`unit_key`) and linkage fields."""
    selects = []
    for feed in store.contracts.values():
        names = set(feed.column_names)
        fields = ", ".join(
            (f'"{name}"' if name in names else f"NULL::{'DATE' if name == 'date_of_birth' else 'VARCHAR'} AS {name}")
            for name in LINKAGE_COLUMNS
        )
        # GP registration demographics are preferred: they are the spine of the population.
        rank = 0 if feed.name == "gp_registrations" else 1
        selects.append(
            f"SELECT '{feed.name}' AS feed, sender_code, source_record_id, "
            f"{unit_key_sql(feed.name, 'source_person_id' in names)} AS unit_key, {fields}, "
            f"{rank} AS source_rank, _delivered_at, _row_number FROM {feed_table(feed.name)} "
            "WHERE _superseded_by IS NULL"
        )
    # Demographics a sender gave for a person id without a feed row of its own (FHIR Patients).
    selects.append(
        "SELECT '_demographics', sender_code, source_person_id, sender_code || '/' || source_person_id, "
        "nhs_number, given_name, family_name, date_of_birth, sex, postcode, 2, _delivered_at, 0 "
        "FROM person_demographics"
    )
    store.connection.execute("CREATE OR REPLACE TABLE link_records AS " + " UNION ALL ".join(selects))


# Rows of `link_records` aggregated at once when choosing each source person's best
# demographics. The aggregate's states (a struct of strings per source person) do not spill to
# disk, so across London (191M rows, 23M source persons) one aggregate ran out of DuckDB's memory;
# 1M residents' 20M rows fit in one part within the default limit.
UNIT_PART_ROWS = 25_000_000


def build_units(store: FeedStore, report: Callable[[int, int], None] = lambda done, total: None) -> None:
    """`link_units`: one row per source person with its NHS number and best demographics.

    Best = a row with a name or date of birth, then GP registrations first, then the latest
    delivery and row. One hash aggregate (`arg_min` on that order) rather than a window numbering
    every row: at 1M residents there are 20M rows in 2.6M source persons, and sorting them all
    was most of the time before any pair was compared (decision 0064). Larger populations are
    aggregated in parts by a hash of the source person, each part's memory bounded
    (`UNIT_PART_ROWS`); ``report(rows done, rows)`` after each part."""
    has_demographics = " OR ".join(f"{c} IS NOT NULL" for c in ("given_name", "family_name", "date_of_birth"))
    recency = "source_rank, -epoch(_delivered_at), -_row_number"
    fields = ", ".join(f"'{c}': {c}" for c in DEMOGRAPHICS)
    con = store.connection
    rows = con.execute("SELECT count(*) FROM link_records").fetchone()[0]
    parts = max(1, math.ceil(rows / UNIT_PART_ROWS))
    for part in range(parts):
        where = f"WHERE hash(unit_key) % {parts} = {part}" if parts > 1 else ""
        con.execute(
            f"""
            {"CREATE OR REPLACE TABLE link_units AS" if part == 0 else "INSERT INTO link_units"}
            SELECT unit_key, nhs_number, {", ".join(f"best.{c} AS {c}" for c in DEMOGRAPHICS)}, best.has_demographics
            FROM (
                SELECT unit_key,
                       arg_min(nhs_number, [{recency}]) FILTER (WHERE nhs_number IS NOT NULL) AS nhs_number,
                       arg_min({{{fields}, 'has_demographics': ({has_demographics})}},
                               [CASE WHEN {has_demographics} THEN 0 ELSE 1 END, {recency}]) AS best
                FROM link_records {where} GROUP BY unit_key
            )
            """
        )
        report(rows * (part + 1) // parts, rows)


def exact_demographic_pairs(store: FeedStore) -> list[dict]:
    """Pairs where a source person without an NHS number has exactly the same first name,
    surname and date of birth (and no conflicting sex) as others that agree on one NHS number
    or have none. Such pairs link without a model — which matters when a run is too small for
    Splink to learn how rare a full match is (a single FHIR folder, a first VCSE delivery)."""
    rows = store.connection.execute(
        """
        WITH keyed AS (
            SELECT unit_key, nhs_number, sex,
                   upper(regexp_replace(given_name, '[^A-Za-z]', '', 'g')) || '|' ||
                   upper(regexp_replace(family_name, '[^A-Za-z]', '', 'g')) || '|' || date_of_birth AS identity
            FROM link_units
            WHERE given_name IS NOT NULL AND family_name IS NOT NULL AND date_of_birth IS NOT NULL
        ), groups AS (
            SELECT identity FROM keyed GROUP BY identity
            HAVING count(*) > 1 AND count(*) FILTER (WHERE nhs_number IS NULL) > 0
               AND count(DISTINCT nhs_number) <= 1
               AND count(DISTINCT sex) FILTER (WHERE sex IN ('female', 'male')) <= 1
        )
        SELECT a.unit_key, b.unit_key FROM keyed a JOIN keyed b USING (identity)
        WHERE identity IN (SELECT identity FROM groups) AND a.unit_key < b.unit_key
          AND (a.nhs_number IS NULL OR b.nhs_number IS NULL)
        """
    ).fetchall()
    return [
        {"unit_key_l": left, "unit_key_r": right, "match_probability": 1.0, "match_weight": 99.0}
        for left, right in rows
    ]
