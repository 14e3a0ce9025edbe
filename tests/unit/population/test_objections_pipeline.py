"""Objections honoured in the engine: national data opt-outs and type 1 objections (decision 0023).

Two runs a month apart on a simulated linked extract with an objections feed: objectors are left
out of training, scores, ranks, segments, cohorts and the scores export, keep their features, and
the second run's rising-risk reasons say what changed.
"""

import datetime as dt

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from typer.testing import CliRunner

from octopus.population.cli import app
from octopus.population.linked import feed_schema
from octopus.population.pipeline import PipelineConfig, run_pipeline
from octopus.population.risk import train as train_module
from octopus.population.simulate import simulate_linked

AS_OF = dt.date(2025, 3, 31)
FAST = PipelineConfig(bootstrap_resamples=20, show_progress=False, later_period=False)


def _write_objections(linked, rows):
    schema = feed_schema("objections")
    columns = {name: [row.get(name) for row in rows] for name in schema.names}
    pq.write_table(pa.table(columns, schema=schema), linked / "objections.parquet")


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    root = tmp_path_factory.mktemp("data")
    linked = root / "linked"
    simulate_linked(linked, people=2000, as_of=AS_OF)
    persons = pd.read_parquet(linked / "persons.parquet", columns=["person_id", "nhs_number"]).sort_values("person_id")
    ids = persons["person_id"].tolist()
    base = {"sender_code": "Y12345", "recorded_date": dt.date(2024, 1, 1)}
    _write_objections(
        linked,
        [
            {
                **base,
                "source_record_id": "1",
                "nhs_number": "9000000009",
                "person_id": ids[0],
                "objection_type": "national_data_opt_out",
            },
            {
                **base,
                "source_record_id": "2",
                "nhs_number": "9000000009",
                "person_id": ids[1],
                "objection_type": "type_1",
            },
            {
                **base,
                "source_record_id": "3",
                "nhs_number": "9000000009",
                "person_id": ids[1],
                "objection_type": "national_data_opt_out",
            },
            # Withdrawn: honoured no longer.
            {
                **base,
                "source_record_id": "4",
                "nhs_number": "9000000009",
                "person_id": ids[2],
                "objection_type": "type_1",
                "withdrawn_date": dt.date(2024, 6, 1),
            },
        ],
    )
    trained = []
    original = train_module.train

    def spy(frame, *args, **kwargs):
        trained.append(set(frame["person_id"]))
        return original(frame, *args, **kwargs)

    train_module.train = spy  # imported by the pipeline where it fits
    try:
        first = run_pipeline(linked, root / "snapshots", as_of=AS_OF - dt.timedelta(days=30), config=FAST)
        second = run_pipeline(linked, root / "snapshots", as_of=AS_OF, config=FAST)
    finally:
        train_module.train = original
    return {"root": root, "ids": ids, "first": first, "second": second, "trained": trained}


def test_objectors_left_out_of_training(runs):
    objectors = set(runs["ids"][:2])
    assert runs["trained"] and all(not (sample & objectors) for sample in runs["trained"])


def test_objectors_keep_features_but_no_score_segment_or_rising_risk(runs):
    residents = pd.read_parquet(runs["second"].path / "residents.parquet").set_index("person_id")
    first, second, withdrawn = runs["ids"][:3]
    assert residents.loc[first, "objection"] == "national_data_opt_out"
    assert residents.loc[second, "objection"] == "national_data_opt_out; type_1"
    assert pd.isna(residents.loc[withdrawn, "objection"]) and not residents.loc[withdrawn, "analytics_excluded"]
    for person in (first, second):
        row = residents.loc[person]
        assert row["analytics_excluded"]
        assert pd.isna(row["risk_probability"]) and pd.isna(row["risk_centile"]) and pd.isna(row["risk_band"])
        assert pd.isna(row["segment"]) and not row["rising_risk"]
        assert row["age"] >= 0  # the direct-care features are still there
    assert residents.loc[withdrawn, "risk_centile"] >= 1
    assert runs["second"].row_counts["objectors"] == 2


def test_objectors_do_not_count_in_anyone_elses_rank(runs):
    residents = pd.read_parquet(runs["second"].path / "residents.parquet")
    scored = residents[~residents["analytics_excluded"]]
    assert len(scored) == len(residents) - 2
    assert scored["risk_centile"].max() == 100 and scored["risk_centile"].min() == 1
    assert (scored["risk_band"] == 1).sum() == int(len(scored) * 0.005)  # 9 of 1,998, not 10 of 2,000


def test_objectors_are_in_no_cohort(runs):
    members = pd.read_parquet(runs["second"].path / "cohorts.parquet")
    assert not set(members["person_id"]) & set(runs["ids"][:2])


def test_second_run_rising_risk_reasons_say_what_changed(runs):
    residents = pd.read_parquet(runs["second"].path / "residents.parquet")
    rising = residents[residents["rising_risk"]]
    assert len(rising) > 0 and rising["rising_risk_reason"].notna().all()
    assert rising["rising_risk_reason"].str.contains("since the run as of 2025-03-01|newly in the top 20%").all()
    assert {"emergency_admissions_since_previous", "ae_attendances_since_previous"} <= set(residents.columns)
    with_event = residents[residents["ae_attendances_since_previous"] > 0]
    assert len(with_event) > 0


def test_second_run_counts_each_resident_s_own_events_since_the_first(runs):
    from octopus.population import engines
    from octopus.population.linked import read_linked
    from octopus.population.risk.rising import EVENTS_SINCE, events_since

    con = engines.connect("duckdb")
    linked = read_linked(runs["root"] / "linked", con)
    expected = engines.execute(
        con,
        events_since(
            linked.feed("apc_spells"),
            linked.feed("ae_attendances"),
            linked.feed("las_incidents"),
            AS_OF - dt.timedelta(days=30),
            AS_OF,
        ),
    ).set_index("person_id")
    residents = pd.read_parquet(runs["second"].path / "residents.parquet").set_index("person_id")
    counted = residents[list(EVENTS_SINCE)]
    assert len(expected) > 0
    pd.testing.assert_frame_equal(
        counted[(counted > 0).any(axis=1)].sort_index(),
        expected.loc[expected.index.isin(residents.index), list(EVENTS_SINCE)].astype("int64").sort_index(),
        check_names=False,
    )


def test_export_scores_leaves_out_objectors_including_those_loaded_after_the_run(runs, tmp_path):
    root, ids = runs["root"], runs["ids"]
    out = tmp_path / "scores.csv"
    result = CliRunner().invoke(app, ["export", "scores", "--data-dir", str(root), "-o", str(out)])
    assert result.exit_code == 0, result.output
    exported = set(pd.read_csv(out)["person_id"])
    assert not exported & set(ids[:2]) and ids[2] in exported and ids[3] in exported
    # An objection loaded after the snapshot was made is honoured by the export too.
    table = pq.read_table(root / "linked" / "objections.parquet")
    late = {name: [None] for name in table.schema.names} | {
        "sender_code": ["Y12345"],
        "source_record_id": ["5"],
        "nhs_number": ["9000000009"],
        "person_id": [ids[3]],
        "objection_type": ["type_1"],
        "recorded_date": [dt.date(2025, 4, 2)],
    }
    pq.write_table(
        pa.concat_tables([table, pa.table(late, schema=table.schema)]), root / "linked" / "objections.parquet"
    )
    result = CliRunner().invoke(app, ["export", "scores", "--data-dir", str(root), "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert ids[3] not in set(pd.read_csv(out)["person_id"])
