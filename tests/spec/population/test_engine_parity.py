"""Parity: the same small population gives the same snapshot on DuckDB and on Spark (local mode).

One test, in CI: the whole pipeline (features at the as-of and training dates, training,
scoring, segments and cohorts) on a 300-resident simulated population, through one shared
SparkSession (``local[2]``, 2 shuffle partitions, no UI, 1 GB driver; see ``engines``). The
later-period check is switched off: it is a third feature build and pandas after that, so it
adds Spark time without adding engine coverage. The per-feature spec tests run on both
engines too (conftest `features_of`).
"""

import datetime as dt
import shutil

import pandas as pd
import pytest

from octopus.population.chart_tables import TABLES
from octopus.population.pipeline import PipelineConfig, run_pipeline
from octopus.population.simulate import simulate_linked
from octopus.population.testing import write_linked

AS_OF = dt.date(2025, 3, 31)


def _snapshot(info):
    residents = pd.read_parquet(info.path / "residents.parquet").sort_values("person_id").reset_index(drop=True)
    cohorts = pd.read_parquet(info.path / "cohorts.parquet").sort_values(["cohort", "person_id"]).reset_index(drop=True)
    inequalities = pd.read_parquet(info.path / "inequalities.parquet")
    life_expectancy = pd.read_parquet(info.path / "life_expectancy.parquet")
    chart_tables = [pd.read_parquet(info.path / "charts" / f"{name}.parquet") for name in TABLES]
    return residents, cohorts, inequalities, life_expectancy, *chart_tables


@pytest.mark.spark
def test_pipeline_gives_identical_residents_cohorts_inequalities_and_chart_tables_on_both_engines(tmp_path, spark_con):
    linked = simulate_linked(tmp_path / "linked", people=300, as_of=AS_OF, seed=11)
    # Two objectors, so leaving them out of training, ranks, segments and cohorts runs on both.
    write_linked(
        tmp_path / "objections",
        {
            "persons": [{"person_id": "sim00000"}],
            "objections": [
                {
                    "person_id": pid,
                    "sender_code": "X26",
                    "source_record_id": pid,
                    "nhs_number": "9000000009",
                    "objection_type": "national_data_opt_out",
                    "recorded_date": dt.date(2024, 1, 1),
                }
                for pid in ("sim00001", "sim00002")
            ],
        },
    )
    shutil.copy(tmp_path / "objections" / "objections.parquet", linked / "objections.parquet")
    config = PipelineConfig(bootstrap_resamples=10, show_progress=False, later_period=False)
    duck = _snapshot(run_pipeline(linked, tmp_path / "duck", as_of=AS_OF, engine="duckdb", config=config))
    spark = _snapshot(run_pipeline(linked, tmp_path / "spark", as_of=AS_OF, engine="spark", config=config))
    assert len(duck[0]) == 300 and len(duck[1]) > 0 and duck[0]["analytics_excluded"].sum() == 2
    for ours, theirs in zip(duck, spark, strict=True):
        assert list(ours.columns) == list(theirs.columns)
        pd.testing.assert_frame_equal(ours, theirs, check_dtype=False, check_exact=False, rtol=0, atol=1e-9)
