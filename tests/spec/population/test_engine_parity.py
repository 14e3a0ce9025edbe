"""Parity: the same small population gives the same snapshot on DuckDB and on Spark."""

import datetime as dt

import pandas as pd
import pytest

from octopus.population.pipeline import PipelineConfig, run_pipeline
from octopus.population.simulate import simulate_linked

AS_OF = dt.date(2025, 3, 31)


@pytest.mark.spark
@pytest.mark.slow  # about 6 minutes on a shared 2-core machine: run with -m slow before releases
def test_pipeline_gives_identical_residents_and_cohorts_on_both_engines(tmp_path, spark_con):
    linked = simulate_linked(tmp_path / "linked", people=1500, as_of=AS_OF, seed=11)
    config = PipelineConfig(bootstrap_resamples=10, show_progress=False)
    duck = run_pipeline(linked, tmp_path / "duck", as_of=AS_OF, engine="duckdb", config=config)
    spark = run_pipeline(linked, tmp_path / "spark", as_of=AS_OF, engine="spark", config=config)
    frames = {}
    for name, info in (("duckdb", duck), ("spark", spark)):
        residents = pd.read_parquet(info.path / "residents.parquet").sort_values("person_id").reset_index(drop=True)
        cohorts = pd.read_parquet(info.path / "cohorts.parquet").sort_values(["cohort", "person_id"]).reset_index(drop=True)
        frames[name] = (residents, cohorts)
    pd.testing.assert_frame_equal(frames["duckdb"][0], frames["spark"][0], check_dtype=False, rtol=1e-6)
    pd.testing.assert_frame_equal(frames["duckdb"][1], frames["spark"][1], check_dtype=False)


@pytest.mark.spark
def test_feature_spec_tables_agree_on_both_engines(features_of):
    from tests.spec.population.test_activity import AS_OF as ACTIVITY_AS_OF, tables
    from tests.spec.population.test_frailty import APC_SPELLS, PERSONS, efi_events

    for spec_tables, as_of in ((tables(), ACTIVITY_AS_OF),
                               ({"persons": PERSONS, "gp_events": efi_events(), "apc_spells": APC_SPELLS}, ACTIVITY_AS_OF)):
        duck = features_of(spec_tables, as_of, "duckdb")
        spark = features_of(spec_tables, as_of, "spark")
        pd.testing.assert_frame_equal(duck, spark, check_dtype=False, rtol=1e-9)
