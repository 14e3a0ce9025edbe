"""The test snapshot's inequality counts are the pipeline's aggregation of the rows given, computed
once per set of rows (decision 0052): the same rows give the same file, other rows their own."""

import io

import pandas as pd

from octopus.insights import testing


def _write(folder, rows) -> pd.DataFrame:
    folder.mkdir()
    testing.write_inequalities(folder, rows)
    return pd.read_parquet(folder / "inequalities.parquet")


def test_inequality_counts_are_reused_for_the_same_rows_and_recomputed_for_others(tmp_path):
    rows = testing.resident_rows(40, very_high=2)
    first = _write(tmp_path / "first", rows)
    again = _write(tmp_path / "again", [dict(row) for row in rows])
    uncached = pd.read_parquet(io.BytesIO(testing._inequalities_parquet(rows)))
    pd.testing.assert_frame_equal(again, first)
    pd.testing.assert_frame_equal(uncached, first)

    all_female = _write(tmp_path / "other", [{**row, "sex": "female"} for row in rows])
    assert set(first.loc[first["breakdown"] == "sex", "group"]) == {"female", "male"}
    assert set(all_female.loc[all_female["breakdown"] == "sex", "group"]) == {"female"}
