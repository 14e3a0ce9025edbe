"""Malformed deliveries to `octopus feeds load` and `load-fhir`: each exits non-zero with one
line naming the file and the cause, and stores nothing (issue #16; docs/reliability.md). The
2 GB single-line file is in benchmarks/fault_malformed_input.py: here a 2 MB one."""

from pathlib import Path

import duckdb
import pytest
from typer.testing import CliRunner

from octopus.population.feeds.cli import app

GOOD = Path(__file__).parents[2] / "fixtures" / "feeds" / "apc_spells__RYJ__good.csv"
runner = CliRunner(env={"COLUMNS": "250"})


@pytest.fixture(autouse=True)
def wide_console(monkeypatch):
    from rich.console import Console

    from octopus.population.feeds import cli

    monkeypatch.setattr(cli, "out", Console(width=250))
    monkeypatch.setattr(cli, "console", Console(width=250, stderr=True))


def truncated_parquet(folder: Path) -> Path:
    whole = folder / "whole.parquet"
    duckdb.sql(f"COPY (SELECT * FROM read_csv('{GOOD}', all_varchar=true)) TO '{whole}' (FORMAT parquet)")
    path = folder / "apc_spells__RYJ__truncated.parquet"
    data = whole.read_bytes()
    path.write_bytes(data[: len(data) // 2])  # a transfer cut off half-way
    whole.unlink()
    return path


def utf16_csv(folder: Path) -> Path:
    path = folder / "apc_spells__RYJ__utf16.csv"
    path.write_bytes(GOOD.read_text().encode("utf-16"))  # "Unicode text" as Excel saves it
    return path


def single_line(folder: Path) -> Path:
    path = folder / "apc_spells__RYJ__oneline.csv"
    path.write_text("x" * (2 * 1024 * 1024))
    return path


def header_then_long_row(folder: Path) -> Path:
    path = folder / "apc_spells__RYJ__longrow.csv"
    with path.open("w") as handle:
        handle.write(GOOD.read_text().splitlines()[0] + "\n" + GOOD.read_text().splitlines()[1] + "\n")
        handle.write("x" * (9 * 1024 * 1024) + "\n")  # Arrow would grow its block to hold it
    return path


@pytest.mark.parametrize(
    ("make", "cause"),
    [
        (truncated_parquet, "is not a readable Parquet file"),
        (utf16_csv, "the header row cannot be read as UTF-8 CSV ('utf-8' codec can't decode byte 0xff"),
        (single_line, "the header row cannot be read as UTF-8 CSV (no line break in its first 65,536 characters"),
        (header_then_long_row, "line 3 is longer than 8 MB, far beyond any feed's row"),
    ],
)
def test_malformed_feed_file_exits_non_zero_naming_file_and_cause_storing_nothing(tmp_path, make, cause):
    path = make(tmp_path)
    data_dir = tmp_path / "var"
    result = runner.invoke(app, ["load", "--data-dir", str(data_dir), str(path)])
    assert result.exit_code == 1
    assert f"Rejected {path.name}: {cause}" in " ".join(result.output.split())
    assert "Traceback" not in result.output
    _nothing_stored(data_dir)


def test_fhir_file_that_is_not_json_exits_non_zero_storing_nothing(tmp_path):
    (tmp_path / "fhir").mkdir()
    (tmp_path / "fhir" / "bundle.json").write_text("this is not JSON {")
    data_dir = tmp_path / "var"
    result = runner.invoke(app, ["load-fhir", "--data-dir", str(data_dir), str(tmp_path / "fhir")])
    assert result.exit_code == 1
    said = " ".join(result.output.split())
    assert "Rejected bundle.json: is not valid JSON, so nothing was loaded" in said
    assert "line 1 column 1" in said  # where the file stops being JSON
    _nothing_stored(data_dir)


def test_pipeline_over_a_truncated_linked_file_stops_naming_it_and_writes_no_snapshot(tmp_path):
    import datetime as dt

    from octopus.population.cli import app as population_app
    from octopus.population.simulate import simulate_linked

    persons = simulate_linked(tmp_path / "linked", people=50, as_of=dt.date(2025, 3, 31)) / "persons.parquet"
    persons.write_bytes(persons.read_bytes()[: persons.stat().st_size // 2])
    result = runner.invoke(population_app, ["pipeline", "run", "--as-of", "2025-03-31", "--data-dir", str(tmp_path)])
    said = " ".join(result.output.split())
    assert result.exit_code == 1
    assert "Stopped: persons.parquet in the linked extract cannot be read (" in said
    assert "Nothing of this run was kept; the snapshot in service is unchanged." in said
    assert not any((tmp_path / "snapshots").iterdir())  # no scratch, staging or snapshot left


def _nothing_stored(data_dir: Path) -> None:
    store = data_dir / "feeds" / "store.duckdb"
    if not store.exists():
        return
    with duckdb.connect(str(store), read_only=True) as con:
        tables = {row[0] for row in con.execute("SELECT table_name FROM information_schema.tables").fetchall()}
        assert con.execute("SELECT count(*) FROM deliveries").fetchone() == (0,)
        assert con.execute("SELECT count(*) FROM quarantine").fetchone() == (0,)
        for table in sorted(t for t in tables if t.startswith("feed_")):
            assert con.execute(f"SELECT count(*) FROM {table}").fetchone() == (0,), table
