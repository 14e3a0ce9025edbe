"""The objections feed loads like any other: bad rows quarantined naming the file, row and field."""

import csv

from octopus.population.feeds.load import load_file
from octopus.population.feeds.store import FeedStore

COLUMNS = ["sender_code", "source_record_id", "nhs_number", "objection_type", "recorded_date", "withdrawn_date"]
# 9434765919 and 9434765870 have valid Modulus 11 check digits; 9434765918 does not.
GOOD = [["X26", str(n), "9434765919", "national_data_opt_out", "2025-01-01", ""] for n in range(1, 40)] + [
    ["U12345", "40", "9434765870", "type_1", "2024-06-30", "2025-02-01"]
]
BAD = [
    ["X26", "41", "9434765918", "national_data_opt_out", "2025-01-01", ""],
    ["X26", "42", "9434765919", "consent_withdrawn", "2025-01-01", ""],
    ["X26", "43", "", "type_1", "2025-01-01", ""],
]


def test_objections_feed_quarantines_bad_rows_naming_file_row_and_field(tmp_path):
    path = tmp_path / "objections__X26__20261201.csv"
    with path.open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(COLUMNS)
        writer.writerows(GOOD + BAD)
    with FeedStore.open(tmp_path / "var") as store:
        result = load_file(store, path, max_bad_share=0.1)
        assert (result.loaded_rows, result.quarantined_rows) == (40, 3)
        quarantined = store.connection.execute(
            "SELECT file_name, row_number, field FROM quarantine ORDER BY row_number"
        ).fetchall()
    # Row numbers count data rows from 1, after the header.
    assert quarantined == [
        (path.name, 41, "nhs_number"),
        (path.name, 42, "objection_type"),
        (path.name, 43, "nhs_number"),
    ]
