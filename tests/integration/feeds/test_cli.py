"""The `octopus feeds` commands, end to end, and what they log."""

import logging
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from octopus.population.feeds.cli import app
from tests.fixtures.feeds_factory import population, write_feed_files

FILES = Path(__file__).parents[2] / "fixtures" / "feeds"
runner = CliRunner(env={"COLUMNS": "250"})
pytestmark = pytest.mark.slow


@pytest.fixture(autouse=True)
def wide_console(monkeypatch):
    # Rich reads COLUMNS when a Console is built, which for the module's consoles is at first
    # import, possibly by another test: fix the width here so tables are never truncated.
    from rich.console import Console

    from octopus.population.feeds import cli

    monkeypatch.setattr(cli, "out", Console(width=250))
    monkeypatch.setattr(cli, "console", Console(width=250, stderr=True))


def test_load_link_review_and_status_commands(tmp_path, caplog):
    caplog.set_level(logging.DEBUG)
    files = write_feed_files(tmp_path / "out", n_people=120, seed=9)
    data = ["--data-dir", str(tmp_path / "var")]
    shutil.copy(FILES / "apc_spells__RYJ__bad_dates.csv", tmp_path / "apc_spells__RYJ__bad_dates.csv")

    loaded = runner.invoke(app, ["load", *data, *map(str, files), str(tmp_path / "apc_spells__RYJ__bad_dates.csv")])
    assert loaded.exit_code == 0, loaded.output
    assert "apc_spells__RYJ__bad_dates.csv: loaded 38 of 40 rows" in loaded.output

    rejected = runner.invoke(app, ["load", *data, str(FILES / "apc_spells__RYJ__semicolons.csv")])
    assert rejected.exit_code == 1

    listed = runner.invoke(app, ["quarantine", "list", *data, "--feed", "apc_spells"])
    assert "is before admission_date" in listed.output
    exported = runner.invoke(app, ["quarantine", "export", *data, str(tmp_path / "q.csv")])
    assert "Wrote 3 quarantined values" in exported.output

    (tmp_path / "linkage.yaml").write_text("threads: 1\nmemory_limit: 500MB\n")
    linked = runner.invoke(app, ["link", *data, "--lower", "0.001", "--linkage-config", str(tmp_path / "linkage.yaml")])
    assert linked.exit_code == 0, linked.output
    assert "Linking with 1 thread(s), DuckDB memory limit 0.5 GB" in linked.output
    assert (tmp_path / "var" / "linked" / "persons.parquet").is_file()

    review = runner.invoke(app, ["review", "list", *data])
    pair_id = review.output.split()[0] if "pair(s) to review" in review.output else None
    assert pair_id
    decided = runner.invoke(app, ["review", "decide", *data, pair_id, "non_match", "--by", "tester"])
    assert decided.exit_code == 0, decided.output

    status = runner.invoke(app, ["status", *data])
    assert "gp_registrations" in status.output and "persons" in status.output

    # Logs carry counts and ids, never a resident's details.
    logged = caplog.text
    for person in population(120, seed=9)[:50]:
        assert person.nhs_number not in logged
        assert person.family_name not in logged or person.family_name in ("Ward", "Hall", "Bell")


def test_link_out_of_memory_names_the_limit_and_the_file_that_sets_it(tmp_path, monkeypatch):
    """All London once ran out of DuckDB's memory while linking (docs/benchmarks.md): the command
    says which limit was too small and where it is set, not DuckDB's suggestions of SQL settings."""
    import duckdb

    from octopus.population.linkage import persons

    def out_of_memory(*args, **kwargs):
        raise duckdb.OutOfMemoryException("failed to allocate data of size 16.0 MiB (2.9 GiB/2.9 GiB used)")

    monkeypatch.setattr(persons, "link_persons", out_of_memory)
    config = tmp_path / "linkage.yaml"
    config.write_text("threads: 1\nmemory_limit: 500MB\n")
    result = runner.invoke(app, ["link", "--data-dir", str(tmp_path / "var"), "--linkage-config", str(config)])
    assert result.exit_code == 1
    said = " ".join(result.output.split())
    assert "linkage needed more memory than DuckDB may use here (1 thread(s), DuckDB memory limit 0.5 GB" in said
    assert f"set by {config}" in said and "Raise memory_limit in that file" in said
    assert "Traceback" not in result.output and "SET threads" not in result.output
