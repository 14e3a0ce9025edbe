"""Linkage quality against a known truth (synthetic data only).

Pairwise precision and recall over pairs of feed rows where at least one row has no NHS number
— the rows the probabilistic linker decides. Truth comes from the generator's
`truth/record_truth.parquet`: (feed, sender_code, source_record_id, true_person_id).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from octopus.population.feeds.store import FeedStore, feed_table


@dataclass(frozen=True)
class LinkageQuality:
    records_without_nhs_number: int
    true_pairs: int
    predicted_pairs: int
    correct_pairs: int

    @property
    def precision(self) -> float:
        return self.correct_pairs / self.predicted_pairs if self.predicted_pairs else 1.0

    @property
    def recall(self) -> float:
        return self.correct_pairs / self.true_pairs if self.true_pairs else 1.0


def measure(store: FeedStore, truth_path: Path | str) -> LinkageQuality:
    con = store.connection
    nhs_selects = " UNION ALL ".join(
        f"SELECT '{name}' AS feed, sender_code, source_record_id, nhs_number IS NOT NULL AS has_nhs "
        f"FROM {feed_table(name)} WHERE _superseded_by IS NULL"
        for name, feed in store.contracts.items()
        if "nhs_number" in feed.column_names
    )
    path = str(truth_path).replace("'", "''")
    con.execute(
        f"""CREATE OR REPLACE TEMP TABLE _judged AS
            SELECT r.feed, r.sender_code, r.source_record_id, r.person_id, t.true_person_id, n.has_nhs
            FROM record_persons r
            JOIN read_parquet('{path}') t USING (feed, sender_code, source_record_id)
            JOIN ({nhs_selects}) n USING (feed, sender_code, source_record_id)"""
    )
    # Pairs with at least one row lacking an NHS number, counted per group as C(n, 2) - C(n_nhs, 2)
    # rather than by a self-join: at 1M residents a person can have hundreds of rows, and the
    # self-join produced hundreds of millions of pairs.
    pairs = """SELECT coalesce(sum(n * (n - 1) // 2 - k * (k - 1) // 2), 0)::BIGINT FROM (
                   SELECT count(*) AS n, count(*) FILTER (WHERE has_nhs) AS k FROM _judged GROUP BY {by})"""
    true_pairs = con.execute(pairs.format(by="true_person_id")).fetchone()[0]
    predicted = con.execute(pairs.format(by="person_id")).fetchone()[0]
    correct = con.execute(pairs.format(by="person_id, true_person_id")).fetchone()[0]
    without = con.execute("SELECT count(*) FROM _judged WHERE NOT has_nhs").fetchone()[0]
    return LinkageQuality(without, true_pairs, predicted, correct)
