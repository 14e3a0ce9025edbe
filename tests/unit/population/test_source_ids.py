"""Source identifiers per person, from the linked extract's feed files (issue #25)."""

import pandas as pd
import pytest

from octopus.population.source_ids import source_ids


def _feed(path, rows):
    pd.DataFrame(rows, columns=["sender_code", "source_record_id", "source_person_id", "person_id"]).to_parquet(path)


def test_pairs_per_person_from_every_feed_sorted_and_distinct(tmp_path):
    _feed(
        tmp_path / "apc_spells.parquet",
        [("RYJ", "s1", "H123", "P1"), ("RYJ", "s2", "H123", "P1"), ("RJ1", "s3", "Z9", "P2")],
    )
    _feed(tmp_path / "gp_registrations.parquet", [("E87008", "r1", "fhir-abc", "P1"), ("E87008", "r2", None, "P2")])
    pd.DataFrame({"person_id": ["P1", "P2"]}).to_parquet(tmp_path / "persons.parquet")
    found = dict(source_ids(tmp_path).itertuples(index=False))
    assert found == {"P1": "E87008:fhir-abc;RYJ:H123", "P2": "RJ1:Z9"}


def test_no_linked_files_says_to_link_first(tmp_path):
    with pytest.raises(FileNotFoundError, match="link persons first"):
        source_ids(tmp_path)
