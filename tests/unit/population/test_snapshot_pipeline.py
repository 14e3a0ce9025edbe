"""Pipeline and snapshot publication: complete snapshots, atomic CURRENT, history, CLI."""

import datetime as dt
import json

import pandas as pd
import pytest
from typer.testing import CliRunner

from octopus.population.cli import app
from octopus.population.cohorts.fields import RESIDENT_FIELDS
from octopus.population.pipeline import PipelineConfig, run_pipeline
from octopus.population.risk import model_card as model_card_module
from octopus.population.simulate import simulate_linked
from octopus.population.snapshot import SnapshotStore

AS_OF = dt.date(2025, 3, 31)
FAST = PipelineConfig(bootstrap_resamples=20, show_progress=False)


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory):
    root = tmp_path_factory.mktemp("data")
    simulate_linked(root / "linked", people=2500, as_of=AS_OF)
    return root


@pytest.fixture(scope="module")
def first_run(data_dir):
    return run_pipeline(data_dir / "linked", data_dir / "snapshots", as_of=AS_OF, config=FAST)


def test_run_publishes_complete_snapshot_and_current(first_run, data_dir):
    names = {p.name for p in first_run.path.iterdir()}
    assert names == {
        "residents.parquet",
        "cohorts.parquet",
        "cohorts.json",
        "model_card.json",
        "model_card.md",
        "calibration.png",
        "manifest.json",
        "inequalities.parquet",
        "life_expectancy.parquet",
        "config",
        "charts",
    }
    assert (data_dir / "snapshots" / "CURRENT").read_text().strip() == first_run.run_id
    manifest = json.loads((first_run.path / "manifest.json").read_text())
    assert manifest["as_of"] == "2025-03-31" and manifest["row_counts"]["residents.parquet"] == 2500
    assert set(manifest["step_timings_seconds"]) >= {"features", "train", "score"}


def test_every_step_is_logged_from_the_runs_own_thread(data_dir, tmp_path, caplog):
    """A job's log handler writes through its own thread's database connection (intake.tasks), so
    the steps run beside the engine are reported from the run's thread too, each once."""
    import logging
    import threading

    with caplog.at_level(logging.INFO, logger="octopus.population.pipeline"):
        info = run_pipeline(data_dir / "linked", tmp_path / "snapshots", as_of=AS_OF, config=FAST)
    steps = [r for r in caplog.records if r.getMessage().startswith("step ")]
    assert {r.thread for r in steps} == {threading.get_ident()}
    names = [r.getMessage().split(" took ")[0].removeprefix("step ") for r in steps]
    assert sorted(names) == sorted(info.timings) and len(names) == len(set(names))
    assert {"later-period features", "train", "evaluate"} <= set(names)
    assert all(seconds >= 0 for seconds in info.cpu.values())


def test_residents_columns_match_the_cohort_field_table(first_run):
    residents = pd.read_parquet(first_run.path / "residents.parquet")
    assert set(residents.columns) == set(RESIDENT_FIELDS)
    assert residents["risk_band"].between(1, 6).all() and residents["top_factors"].notna().all()


@pytest.mark.parametrize(
    "failing",
    [
        "write_card",  # in the run's own thread, while publishing
        "build_card",  # in the thread beside scoring (decision 0071)
    ],
)
def test_failed_run_leaves_current_snapshot_in_service(first_run, data_dir, monkeypatch, failing):
    def broken(*args, **kwargs):
        raise RuntimeError("disk full")

    # The pipeline imports the model card's code where it uses it (beside the engine's steps).
    monkeypatch.setattr(model_card_module, failing, broken)
    with pytest.raises(RuntimeError, match="disk full"):
        run_pipeline(data_dir / "linked", data_dir / "snapshots", as_of=AS_OF, config=FAST)
    store = SnapshotStore(data_dir / "snapshots")
    assert store.current_id() == first_run.run_id
    assert [m["run_id"] for m in store.list()] == [first_run.run_id]
    assert not [p for p in store.root.iterdir() if p.name.startswith(".staging")]


def test_cli_lists_snapshots_and_exports_scores(first_run, data_dir, tmp_path):
    runner = CliRunner()
    listed = runner.invoke(app, ["pipeline", "snapshots", "--data-dir", str(data_dir)])
    assert listed.exit_code == 0 and f"* {first_run.run_id}" in listed.output
    out = tmp_path / "scores.csv"
    exported = runner.invoke(
        app,
        ["export", "scores", "--run", first_run.run_id, "--format", "csv", "--data-dir", str(data_dir), "-o", str(out)],
    )
    assert exported.exit_code == 0, exported.output
    scores = pd.read_csv(out)
    assert list(scores.columns) == [
        "person_id",
        "nhs_number",
        "probability",
        "centile",
        "band",
        "segment",
        "rising_risk",
    ]
    assert len(scores) == 2500 and scores["person_id"].is_monotonic_increasing


def test_cli_exports_scores_with_each_partners_own_identifiers(first_run, data_dir, tmp_path):
    out = tmp_path / "scores.csv"
    exported = CliRunner().invoke(
        app,
        [
            "export",
            "scores",
            "--run",
            first_run.run_id,
            "--with-source-ids",
            "--data-dir",
            str(data_dir),
            "-o",
            str(out),
        ],
    )
    assert exported.exit_code == 0, exported.output
    scores = pd.read_csv(out, dtype=str)
    assert list(scores.columns)[-1] == "source_ids" and len(scores) == 2500
    # Every pair names a sender and that sender's own id for this very person in the linked extract.
    gp = pd.read_parquet(
        data_dir / "linked" / "gp_events.parquet", columns=["person_id", "sender_code", "source_person_id"]
    )
    row = scores[scores.person_id.isin(gp.person_id)].dropna(subset=["source_ids"]).iloc[0]
    pairs = row["source_ids"].split(";")
    assert pairs == sorted(pairs)
    expected = {f"{r.sender_code}:{r.source_person_id}" for r in gp[gp.person_id == row["person_id"]].itertuples()}
    assert expected <= set(pairs)


def test_cli_data_dir_defaults_to_env_then_var(first_run, data_dir, tmp_path, monkeypatch):
    runner = CliRunner()
    monkeypatch.setenv("OCTOPUS_DATA_DIR", str(data_dir))
    listed = runner.invoke(app, ["pipeline", "snapshots"])
    assert listed.exit_code == 0 and f"* {first_run.run_id}" in listed.output
    monkeypatch.delenv("OCTOPUS_DATA_DIR")
    monkeypatch.chdir(tmp_path)
    empty = runner.invoke(app, ["pipeline", "snapshots"])
    assert empty.exit_code == 0 and "No snapshots in var/snapshots" in empty.output


def test_run_publishes_inequality_counts_without_objectors(first_run):
    import pandas as pd

    counts = pd.read_parquet(first_run.path / "inequalities.parquet")
    residents = pd.read_parquet(first_run.path / "residents.parquet", columns=["analytics_excluded"])
    by_sex = counts[(counts.indicator == "emergency_admissions") & (counts.breakdown == "sex")]
    assert by_sex["denominator"].sum() == int((~residents["analytics_excluded"].fillna(False)).sum())
    assert set(counts.breakdown) == {"imd_quintile", "ethnic_group", "sex", "age_band", "pcn", "practice"}
    assert counts["esp_band"].between(0, 18).all()


def test_run_publishes_life_expectancy_counts_even_without_deaths(first_run):
    # The simulated extract has no deaths feed: the table is there, empty, with its columns, and
    # the page says the deaths cover fewer than 3 years (the counts are spec-tested with deaths).
    counts = pd.read_parquet(first_run.path / "life_expectancy.parquet")
    manifest = json.loads((first_run.path / "manifest.json").read_text())
    assert manifest["row_counts"]["life expectancy counts"] == len(counts) == 0
    assert {
        "period_end",
        "sex",
        "lsoa_code",
        "imd_decile",
        "practice_ods_code",
        "start_age",
        "population",
        "deaths",
        "deaths_circulatory",
        "deaths_other",
    } <= set(counts.columns)
