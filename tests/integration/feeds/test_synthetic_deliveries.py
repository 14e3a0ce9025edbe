"""Synthetic London deliveries through the real loader: clean when no faults are asked for, and
faulty at exactly the rows, and about the rates, the truth files record when they are."""

from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
import pyarrow.parquet as pq
import pytest

from octopus.population.feeds.load import load_file
from octopus.population.feeds.store import FeedStore
from octopus.synthetic import imperfections
from octopus.synthetic.generator import generate

AS_OF = "2026-11-01"
pytestmark = pytest.mark.slow


def deliveries(out: Path) -> list[Path]:
    """Feed files in delivery order (the day-before delivery, then the as-of one), as a loader
    would receive them."""
    return sorted((out / "feeds").iterdir(), key=lambda path: (path.stem.split("__")[2], path.name))


def read_keys(path: Path) -> pa.Table:
    columns = ["sender_code", "source_record_id"]
    if path.suffix == ".parquet":
        return pq.read_table(path, columns=columns)
    return pacsv.read_csv(
        path,
        convert_options=pacsv.ConvertOptions(include_columns=columns, column_types={c: pa.string() for c in columns}),
    )


def truth(out: Path) -> pa.Table:
    return pq.read_table(out / "truth" / "record_truth.parquet")


@pytest.mark.parametrize(
    ("seed", "area", "fmt"),
    [(1, "Westminster", "csv"), (2, "Tower Hamlets", "parquet"), (3, "Hackney", "csv"), (4, "Newham", "parquet")],
)
def test_generated_deliveries_load_with_no_bad_row_when_no_faults_are_requested(tmp_path, seed, area, fmt):
    out = tmp_path / "out"
    generate(out, residents=3000, areas=[area], as_of=AS_OF, seed=seed, fmt=fmt, progress=False)
    superseded = 0
    with FeedStore.open(tmp_path / "var") as store:
        for path in deliveries(out):
            keys = read_keys(path)
            assert keys.group_by(keys.column_names).aggregate([]).num_rows == keys.num_rows, (
                f"{path.name} repeats a record key"
            )
            result = load_file(store, path)  # a refused file raises FeedRejected
            reasons = store.connection.execute("SELECT DISTINCT field, reason FROM quarantine").fetchall()
            assert result.quarantined_rows == 0, f"{path.name}: {reasons}"
            # A file identical to one already loaded (a one-row sender file resent whole) is a no-op.
            superseded += result.superseded_rows if result.status == "loaded" else result.row_count
    # A duplicated record is resent in the as-of delivery, which supersedes the first copy.
    assert superseded == pc.sum(truth(out).column("duplicated")).as_py() > 0


def test_malformed_rows_are_exactly_the_quarantined_rows_at_the_requested_rate(tmp_path):
    out = tmp_path / "out"
    rate = 0.03
    generate(
        out, residents=3000, areas=["Islington"], as_of=AS_OF, seed=21, fmt="csv", malformed_rate=rate, progress=False
    )
    with FeedStore.open(tmp_path / "var") as store:
        for path in deliveries(out):
            load_file(store, path, max_bad_share=1.0)
        quarantined = _quarantined_keys(store, out)
    records = truth(out).to_pandas()
    malformed = set(
        records.loc[records["malformed"], ["feed", "sender_code", "source_record_id"]].itertuples(
            index=False, name=None
        )
    )
    assert quarantined == malformed
    n = len(records)
    assert abs(len(malformed) / n - rate) < 4 * np.sqrt(rate * (1 - rate) / n)


def _quarantined_keys(store: FeedStore, out: Path) -> set[tuple[str, str, str]]:
    """(feed, sender, record id) of every quarantined row, read back from its file."""
    rows = store.connection.execute("SELECT DISTINCT file_name, row_number FROM quarantine").fetchall()
    by_file: dict[str, list[int]] = {}
    for file_name, row_number in rows:
        by_file.setdefault(file_name, []).append(row_number)
    keys = set()
    for file_name, numbers in by_file.items():
        table = read_keys(out / "feeds" / file_name)
        feed = file_name.split("__")[0]
        for number in numbers:
            keys.add(
                (
                    feed,
                    table.column("sender_code")[number - 1].as_py(),
                    table.column("source_record_id")[number - 1].as_py(),
                )
            )
    return keys


def test_imperfection_rates_match_the_documented_rates(tmp_path):
    out = tmp_path / "out"
    generate(out, residents=3000, areas=["Lambeth"], as_of=AS_OF, seed=22, fmt="parquet", progress=False)
    records = truth(out).to_pandas()
    n = len(records)

    def close(observed: float, expected: float, count: int) -> bool:
        return abs(observed - expected) < 4 * np.sqrt(expected * (1 - expected) / count) + 1e-9

    assert close(records["late"].mean(), imperfections.LATE_RATE, n)
    assert close(records["duplicated"].mean(), imperfections.DUPLICATE_RATE, n)
    assert not records["malformed"].any()
    late_files = sum(read_keys(p).num_rows for p in (out / "feeds").glob("*__20261101.parquet"))
    assert late_files == records["late"].sum() + records["duplicated"].sum()
    for feed, expected in imperfections.MISSING_NHS_NUMBER.items():
        rows = records[records.feed == feed]
        assert close(rows["nhs_number_missing"].mean(), expected, len(rows)), feed
    named = records[records.feed.isin(["gp_registrations", "las_incidents", "vcse_contacts", "asc_clients", "deaths"])]
    assert close(named["name_altered"].mean(), imperfections.NAME_ERROR_RATE, len(named))
