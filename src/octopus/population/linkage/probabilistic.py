"""Probabilistic person linkage with Splink 5 (DuckDB backend) for records without NHS numbers.

The model is Fellegi-Sunter. Its m probabilities (how often a true match agrees at each level)
are fixed priors here, written down below, because the records that need this model — social
care, VCSE, ambulance, care homes, deaths — are few per run and their errors (typos, nicknames,
day and month swapped, stale postcodes) are known; u probabilities (how often two random people
agree) are estimated from the data each run by random sampling, and term-frequency adjustments
make agreement on a common surname or postcode count for less than on a rare one.

Blocking: a pair is only compared if one side has no NHS number (two NHS numbers decide for
themselves) and the records share a date of birth and the first letter of either name, a
postcode and the first letter of the surname, a surname, birth year and first initial, a first
name, surname and birthday (day and month: a wrong year), a first name and surname where one side
has no date of birth, or a date of birth with day and month swapped and an initial. Each rule
pairs a key with an initial or a date so that one typo still leaves a rule that finds the pair,
and so that a block holds a few people whatever the population: blocked pairs then grow with
the population, not with its square. A surname and birth year, or a first name and surname,
alone made blocks of hundreds for a common name at 1M residents (101.6M pairs, 72M from first
name and surname) and would have made ~8 billion pairs across London; with the initial and the
birthday added, 5.3M at 1M, and every true pair of the 1M test population is still found by
at least two rules (decision 0073). Each rule is given twice, once for a left side without an
NHS number and once for a right side without one: a condition on one side alone is pushed below
the join, so the join starts from the ~5% of source persons without a number instead of pairing
every registered patient with every other and discarding the pairs afterwards (decision 0064).

Scoring runs in chunks of the left side (Splink's `predict_chunk`): each chunk is blocked,
compared and dropped before the next, so a run reports pairs blocked and compared as it goes and
DuckDB holds one chunk's pairs at a time.
"""

from __future__ import annotations

import logging
import math
from pathlib import Path

import duckdb
import pyarrow as pa

from octopus.population.linkage.names import NICKNAMES
from octopus.population.linkage.progress import Tracker
from octopus.population.linkage.resources import LinkageResources

logger = logging.getLogger(__name__)

# Chunks of the left side for scoring: about this many source persons without an NHS number in
# each. Each chunk probes every source person again (a fixed ~2 CPU-s a chunk at 1M residents),
# so chunks are as large as memory allows: with the blocking rules of decision 0073 a source person
# without a number has ~50 candidate pairs at 1M and a few hundred across London, so 100,000 of
# them is at most tens of millions of pairs, which DuckDB holds within its limit or spills.
CHUNK_WITHOUT_NHS = 100_000
MAX_CHUNKS = 128
BLOCKING_RULES: tuple[str, ...] = (
    "l.date_of_birth = r.date_of_birth AND l.family_initial = r.family_initial",
    "l.date_of_birth = r.date_of_birth AND l.given_initial = r.given_initial",
    "l.postcode = r.postcode AND l.family_initial = r.family_initial",
    "l.family_name = r.family_name AND l.birth_year = r.birth_year AND l.given_initial = r.given_initial",
    "l.given_canonical = r.given_canonical AND l.family_name = r.family_name AND l.birth_day = r.birth_day",
    # A record without a date of birth is compared with everyone of its name: a condition on one
    # side alone is pushed below the join, so this costs nothing for records that have a date.
    "l.given_canonical = r.given_canonical AND l.family_name = r.family_name AND l.date_of_birth IS NULL",
    "l.given_canonical = r.given_canonical AND l.family_name = r.family_name AND r.date_of_birth IS NULL",
    "l.date_of_birth = r.dob_swapped AND l.family_initial = r.family_initial",
    "l.date_of_birth = r.dob_swapped AND l.given_initial = r.given_initial",
)


def _level(sql: str, label: str, m: float | None = None, tf: str | None = None, null: bool = False) -> dict:
    level: dict = {"sql_condition": sql, "label_for_charts": label}
    if null:
        level["is_null_level"] = True
    if m is not None:
        level["m_probability"] = m
    if tf:
        level["tf_adjustment_column"] = tf
        level["tf_adjustment_weight"] = 1.0
    return level


def _null(column: str) -> dict:
    return _level(f'"{column}_l" IS NULL OR "{column}_r" IS NULL', "null", null=True)


# m probabilities: the share of true matches at each level, from the error rates seen in
# London social-care and VCSE records (typo ~10%, nickname ~5-10%, swapped dates ~3%, moved ~15%).
COMPARISONS: tuple[dict, ...] = (
    {
        "output_column_name": "given_name",
        "comparison_levels": [
            _null("given_name"),
            _level("given_name_l = given_name_r", "exact", 0.80, tf="given_name"),
            _level("given_canonical_l = given_canonical_r", "same name or nickname", 0.08),
            _level("jaro_winkler_similarity(given_name_l, given_name_r) >= 0.92", "jaro-winkler >= 0.92", 0.06),
            _level("jaro_winkler_similarity(given_name_l, given_name_r) >= 0.80", "jaro-winkler >= 0.80", 0.03),
            _level("ELSE", "different", 0.03),
        ],
    },
    {
        "output_column_name": "family_name",
        "comparison_levels": [
            _null("family_name"),
            _level("family_name_l = family_name_r", "exact", 0.85, tf="family_name"),
            _level("damerau_levenshtein(family_name_l, family_name_r) <= 1", "one edit", 0.09),
            _level("jaro_winkler_similarity(family_name_l, family_name_r) >= 0.88", "jaro-winkler >= 0.88", 0.03),
            _level("ELSE", "different", 0.03),
        ],
    },
    {
        "output_column_name": "date_of_birth",
        "comparison_levels": [
            _null("date_of_birth"),
            _level("date_of_birth_l = date_of_birth_r", "exact", 0.86),
            _level("date_of_birth_l = dob_swapped_r", "day and month swapped", 0.04),
            _level("damerau_levenshtein(date_of_birth_l, date_of_birth_r) <= 1", "one digit", 0.05),
            _level("birth_year_l = birth_year_r", "same year", 0.02),
            _level("ELSE", "different", 0.03),
        ],
    },
    {
        "output_column_name": "sex",
        "comparison_levels": [
            _null("sex"),
            _level("sex_l = sex_r", "same", 0.98),
            _level("ELSE", "different", 0.02),
        ],
    },
    {
        "output_column_name": "postcode",
        "comparison_levels": [
            _null("postcode"),
            _level("postcode_l = postcode_r", "exact", 0.70, tf="postcode"),
            _level("postcode_outward_l = postcode_outward_r", "same district", 0.12),
            _level("ELSE", "different", 0.18),
        ],
    },
)


def candidates_sql(units: str) -> str:
    """Splink's input: one row per source person with demographics, cleaned for comparison."""
    nicknames = ", ".join(f"'{nick}': '{full}'" for nick, full in NICKNAMES.items())
    given = "NULLIF(regexp_replace(upper(given_name), '[^A-Z]', '', 'g'), '')"
    return f"""
        SELECT unit_key, nhs_number,
            {given} AS given_name,
            coalesce(MAP {{{nicknames}}}[{given}], {given}) AS given_canonical,
            NULLIF(regexp_replace(upper(family_name), '[^A-Z]', '', 'g'), '') AS family_name,
            NULLIF(left(regexp_replace(upper(family_name), '[^A-Z]', '', 'g'), 1), '') AS family_initial,
            NULLIF(left(coalesce(MAP {{{nicknames}}}[{given}], {given}), 1), '') AS given_initial,
            strftime(date_of_birth, '%Y-%m-%d') AS date_of_birth,
            CASE WHEN day(date_of_birth) <= 12 THEN strftime(date_of_birth, '%Y-%d-%m') END AS dob_swapped,
            year(date_of_birth) AS birth_year,
            strftime(date_of_birth, '%m-%d') AS birth_day,
            CASE WHEN sex IN ('female', 'male') THEN sex END AS sex,
            NULLIF(replace(postcode, ' ', ''), '') AS postcode,
            split_part(postcode, ' ', 1) AS postcode_outward
        FROM {units}
        WHERE has_demographics
    """


def blocking_rules() -> list[dict]:
    """Every rule twice: a left side without an NHS number, or a right side without one."""
    return [
        {"blocking_rule": f"{rule} AND {side}.nhs_number IS NULL"} for rule in BLOCKING_RULES for side in ("l", "r")
    ]


def chunks_for(without_nhs: int) -> int:
    return max(1, min(MAX_CHUNKS, math.ceil(without_nhs / CHUNK_WITHOUT_NHS)))


def score_pairs(
    candidates: pa.Table,
    lower: float,
    *,
    resources: LinkageResources | None = None,
    temp_directory: Path | None = None,
    tracker: Tracker | None = None,
) -> pa.Table:
    """Scored pairs (unit_key_l, unit_key_r, match_probability, match_weight) at or above `lower`."""
    tracker = tracker or Tracker()
    empty = pa.table(
        {
            "unit_key_l": pa.array([], pa.string()),
            "unit_key_r": pa.array([], pa.string()),
            "match_probability": pa.array([], pa.float64()),
            "match_weight": pa.array([], pa.float64()),
        }
    )
    without_nhs = candidates.column("nhs_number").null_count
    if candidates.num_rows < 2 or without_nhs == 0:
        tracker.stage("blocking and comparing", total=0)
        return empty
    connection = duckdb.connect()
    if resources is not None:
        connection.execute(f"SET threads = {resources.threads}")
        connection.execute(f"SET memory_limit = '{resources.memory_limit}'")
    if temp_directory is not None:
        connection.execute(f"SET temp_directory = '{str(temp_directory).replace(chr(39), chr(39) * 2)}'")
    connection.execute("SET enable_progress_bar = false")
    connection.execute("SET preserve_insertion_order = false")
    try:
        return _score(connection, candidates, lower, without_nhs, tracker)
    finally:
        connection.close()


def _score(connection, candidates: pa.Table, lower: float, without_nhs: int, tracker: Tracker) -> pa.Table:
    from splink import DuckDBAPI, Linker

    db_api = DuckDBAPI(connection)
    records = db_api.register(candidates, table_name="link_candidates")
    settings = {
        "link_type": "dedupe_only",
        "unique_id_column_name": "unit_key",
        # Roughly one true match per record among all pairs; Splink's posterior sharpens it.
        "probability_two_random_records_match": min(0.5, 1.0 / candidates.num_rows),
        "blocking_rules_to_generate_predictions": blocking_rules(),
        "comparisons": list(COMPARISONS),
        "additional_columns_to_retain": ["nhs_number"],
    }
    linker = Linker(records, settings, log_level=logging.WARNING)
    linker.training.estimate_u_using_random_sampling(max_pairs=500_000, seed=1)
    chunks = chunks_for(without_nhs)
    whole = (1, 1)
    # One chunk's blocked pairs at a time: blocked, compared, dropped. The total is estimated from
    # the chunks so far (chunks are a hash of the key, so alike in size) and exact at the end.
    tracker.stage("blocking and comparing", unit="pairs")
    parts, blocked_total = [], 0
    for number in range(1, chunks + 1):
        blocked = linker.inference.compute_blocked_pairs_for_predict_chunk(
            left_chunk=(number, chunks), right_chunk=whole
        )
        blocked_total += connection.execute(f"SELECT count(*) FROM {blocked.physical_name}").fetchall()[0][0]
        tracker.update(pairs_blocked=blocked_total, total=round(blocked_total * chunks / number))
        predictions = linker.inference.predict_chunk(
            left_chunk=(number, chunks), right_chunk=whole, threshold_match_probability=lower, warning_mode="never"
        )
        parts.append(
            connection.sql(
                f"SELECT unit_key_l, unit_key_r, match_probability, match_weight FROM {predictions.physical_name}"
            ).to_arrow_table()
        )
        predictions.drop_table_from_database_and_remove_from_cache()
        blocked.drop_table_from_database_and_remove_from_cache()
        tracker.update(done=blocked_total, pairs_compared=blocked_total)
    result = pa.concat_tables(parts)
    logger.info(
        "Blocked %d candidate pairs in %d chunk(s); %d at or above %.2f", blocked_total, chunks, result.num_rows, lower
    )
    return result
