"""Population-sized tables stream through the pipeline: batch sizes and role caps change memory,
never results (decision 0006)."""

import datetime as dt
import json
import shutil

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from octopus.population import engines
from octopus.population import pipeline as pipeline_module
from octopus.population.features import build_features, feature_tables
from octopus.population.features.periods import YEAR, Period
from octopus.population.linked import feed_schema, read_linked
from octopus.population.pipeline import PipelineConfig, run_pipeline
from octopus.population.risk import roles as roles_module
from octopus.population.risk import score as score_module
from octopus.population.risk.outcomes import load_model_config
from octopus.population.risk.train import SPLIT_SHARES, in_role_sample, split_roles
from octopus.population.simulate import simulate_linked

AS_OF = dt.date(2025, 3, 31)
FAST = PipelineConfig(bootstrap_resamples=10, show_progress=False, later_period=False)


@pytest.fixture(scope="module")
def linked(tmp_path_factory):
    return simulate_linked(tmp_path_factory.mktemp("batches") / "linked", people=1500, as_of=AS_OF, seed=5)


def _residents(info) -> pd.DataFrame:
    frame = pd.read_parquet(info.path / "residents.parquet")
    return frame.sort_values("person_id").reset_index(drop=True)


def _with_deaths(linked, directory):
    """A copy of the extract with a deaths feed: forty residents dead in 2023 and 2024."""
    shutil.copytree(linked, directory)
    ids = pd.read_parquet(directory / "persons.parquet", columns=["person_id"])["person_id"].sort_values()[:40]
    rows = [
        {
            "sender_code": "X26",
            "source_record_id": str(n),
            "person_id": pid,
            "date_of_death": dt.date(2023, 1, 1) + dt.timedelta(days=17 * n),
            "underlying_cause": ("I21", "C34", "J44", "X59")[n % 4],
        }
        for n, pid in enumerate(ids)
    ]
    schema = feed_schema("deaths")
    table = pa.table({name: [row.get(name) for row in rows] for name in schema.names}, schema=schema)
    pq.write_table(table, directory / "deaths.parquet")
    return directory


def test_features_in_parts_and_scoring_in_small_batches_give_the_same_snapshot(linked, tmp_path, monkeypatch):
    linked = _with_deaths(linked, tmp_path / "linked")
    whole = run_pipeline(linked, tmp_path / "whole", as_of=AS_OF, config=FAST)
    monkeypatch.setenv("OCTOPUS_DUCKDB_PART_RESIDENTS", "400")
    monkeypatch.setattr(score_module, "BATCH_ROWS", 128)
    batched = run_pipeline(linked, tmp_path / "batched", as_of=AS_OF, config=FAST)
    assert batched.row_counts["residents"] == whole.row_counts["residents"] == 1500 - 40  # the dead are not
    pd.testing.assert_frame_equal(_residents(whole), _residents(batched))
    cohorts = [
        pd.read_parquet(i.path / "cohorts.parquet").sort_values(["cohort", "person_id"]).reset_index(drop=True)
        for i in (whole, batched)
    ]
    pd.testing.assert_frame_equal(*cohorts)
    # Made on a second connection beside the run when the features are built whole, in the
    # run's own thread when they are built in parts (decision 0074): the same counts.
    pd.testing.assert_frame_equal(*(pd.read_parquet(i.path / "life_expectancy.parquet") for i in (whole, batched)))
    assert pd.read_parquet(whole.path / "life_expectancy.parquet")["deaths"].sum() > 0
    assert json.loads((whole.path / "cohorts.json").read_text()) == json.loads(
        (batched.path / "cohorts.json").read_text()
    )


def test_scratch_files_are_removed_after_a_run(linked, tmp_path):
    run_pipeline(linked, tmp_path / "snapshots", as_of=AS_OF, config=FAST)
    assert not [p for p in (tmp_path / "snapshots").iterdir() if p.name.startswith(".")]


def test_training_reads_a_capped_sample_per_role_and_the_card_says_so(linked, tmp_path, monkeypatch):
    caps = {"train": 300, "validation": 150, "test": 150}
    monkeypatch.setattr(roles_module, "ROLE_CAPS", caps)
    info = run_pipeline(linked, tmp_path / "snapshots", as_of=AS_OF, config=FAST)
    population = info.row_counts["training residents"]
    assert population > 1400  # residents alive and registered a year before the as-of date
    assert 450 <= info.row_counts["training sample"] <= 750
    card = json.loads((info.path / "model_card.json").read_text())
    assert card["population"]["residents"] == population
    assert card["population"]["sample"]["residents"] == info.row_counts["training sample"]
    assert "stable sample per role" in (info.path / "model_card.md").read_text()
    # Every resident is still scored.
    assert len(pd.read_parquet(info.path / "residents.parquet", columns=["person_id"])) == 1500


def test_training_features_built_for_the_sample_alone_equal_everyone_s_filtered(linked, tmp_path, monkeypatch):
    # The sample is decided before the features are built; the rows must be those the
    # whole population's features would have given for the same residents.
    monkeypatch.setattr(roles_module, "ROLE_CAPS", {"train": 300, "validation": 150, "test": 150})
    con = engines.connect("duckdb")
    extract = read_linked(linked, con)
    outcome = load_model_config().outcome
    as_of = AS_OF - YEAR
    frame, population = pipeline_module._training_frame(con, extract, as_of, tmp_path / "f.parquet", outcome)
    everyone = engines.execute(
        con, build_features(extract, as_of, with_outcome=True, with_prevention=False), sort_by="person_id"
    )
    expected = everyone[in_role_sample(everyone["person_id"].to_numpy(dtype=object), len(everyone))]
    pd.testing.assert_frame_equal(frame, expected.reset_index(drop=True))
    assert population == {"residents": len(everyone), "events": int(everyone["outcome_next_year"].sum())}
    later, _ = pipeline_module._training_frame(
        con, extract, as_of, tmp_path / "g.parquet", outcome, ("train", "validation")
    )
    assert set(split_roles(later["person_id"])) == {"train", "validation"}
    assert set(later["person_id"]) < set(frame["person_id"])


def _join_types(con, expression) -> list[str]:
    con.to_pyarrow(expression.limit(1))  # registers the expression's in-memory tables
    plan = con.raw_sql("EXPLAIN (FORMAT json) " + con.compile(expression)).fetchall()[0][1]

    def walk(node):
        if node["name"] == "HASH_JOIN":
            yield node["extra_info"]["Join Type"]
        for child in node.get("children", []):
            yield from walk(child)

    return [join for node in json.loads(plan) for join in walk(node)]


def test_feature_joins_build_on_the_parts_not_on_the_residents(linked):
    # Decision 0077: left to its estimates DuckDB turned the larger parts' joins round (RIGHT
    # joins) and built its hash tables on the residents' ever wider rows.
    con = engines.connect("duckdb")
    extract = read_linked(linked, con)
    expression = build_features(extract, AS_OF, ordered=False)
    joins = _join_types(con, expression)
    assert joins.count("LEFT") >= len(feature_tables(extract, Period(AS_OF)))
    assert "RIGHT" not in joins
    con.raw_sql("SET disabled_optimizers = ''")
    assert "RIGHT" in _join_types(con, expression)


def test_role_sample_is_stable_and_near_its_caps():
    ids = np.array([f"P{n:08d}" for n in range(200_000)], dtype=object)
    caps = {"train": 6_000, "validation": 2_000, "test": 10_000_000}
    keep = in_role_sample(ids, len(ids), caps)
    roles = split_roles(pd.Series(ids)).to_numpy()
    assert abs((keep & (roles == "train")).sum() - 6_000) < 300
    assert abs((keep & (roles == "validation")).sum() - 2_000) < 150
    # A role under its cap is read whole.
    assert (keep[roles == "test"]).all() and (roles == "test").sum() > 200_000 * SPLIT_SHARES["test"] / 100 * 0.9
    # Order and batch boundaries do not matter: the decision is per resident.
    shuffled = np.random.default_rng(1).permutation(len(ids))
    assert (in_role_sample(ids[shuffled], len(ids), caps) == keep[shuffled]).all()
    halves = np.concatenate(
        [in_role_sample(ids[:70_000], len(ids), caps), in_role_sample(ids[70_000:], len(ids), caps)]
    )
    assert (halves == keep).all()
