"""Importing the Synthea sample (10 patients, FHIR R4 transaction bundles), shipped with the tests
(Apache-2.0; provenance in tests/fixtures/fhir_sample/README.md)."""

from pathlib import Path

import pyarrow.parquet as pq
import pytest

from octopus.population.feeds.fhir import (
    default_sender_code,
    import_fhir_deliveries,
    import_fhir_directory,
)
from octopus.population.feeds.store import FeedStore
from octopus.population.linkage.extract import write_linked_extract
from octopus.population.linkage.persons import link_persons

SAMPLE = Path(__file__).parents[2] / "fixtures" / "fhir_sample"
pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def imported(tmp_path_factory):
    data_dir = tmp_path_factory.mktemp("fhir")
    with FeedStore.open(data_dir) as store:
        report = import_fhir_directory(store, SAMPLE)
        link_persons(store)
        write_linked_extract(store)
    return data_dir, report


def _count(data_dir, sql):
    with FeedStore.open(data_dir) as store:
        return store.connection.execute(sql).fetchall()


def test_sender_code_comes_from_the_folder_and_meets_the_contract():
    assert default_sender_code(SAMPLE) == "FHIR-FHIR-SAMPLE"


def test_every_resource_is_counted_and_unknown_types_skipped(imported):
    _, report = imported
    assert dict(report.resources) == {
        "Patient": 10,
        "Encounter": 215,
        "Condition": 109,
        "Observation": 1669,
        "Procedure": 107,
        "MedicationRequest": 71,
        "Immunization": 121,
        "CarePlan": 26,
        "Goal": 39,
        "DiagnosticReport": 131,
        "ImagingStudy": 14,
        "Claim": 286,
        "ExplanationOfBenefit": 215,
        "Organization": 15,
        "Practitioner": 15,
    }
    assert report.skipped["Claim (not imported)"] == 286
    assert report.skipped["MedicationRequest (no prescribing feed yet)"] == 71
    # The LOINC and CVX maps (fhir.py, tests/unit/feeds/test_fhir_maps.py) set the gp_events counts below.
    # Synthea's "34552-0" (a LOINC code sent as SNOMED CT) fails the SNOMED check digit.
    assert report.skipped["Procedure without a SNOMED CT code or mapping"] == 4


def test_encounters_map_onto_feeds_with_exact_counts(imported):
    data_dir, report = imported
    assert dict(report.rows) == {
        "gp_appointments": 189,
        "ae_attendances": 17,
        "apc_spells": 9,
        "gp_events": 1312,
        "deaths": 3,
    }
    assert all(load.quarantined_rows == 0 for load in report.loads)
    assert _count(data_dir, "SELECT admission_method, count(*) FROM feed_apc_spells GROUP BY 1 ORDER BY 1") == [
        ("elective", 3),
        ("emergency", 6),
    ]
    assert _count(data_dir, "SELECT disposal, count(*) FROM feed_ae_attendances GROUP BY 1 ORDER BY 1") == [
        ("admitted", 6),
        ("discharged", 11),
    ]


def test_clinical_resources_become_snomed_gp_events(imported):
    data_dir, _ = imported
    assert _count(
        data_dir,
        "SELECT split_part(source_record_id, '-', 1), count(*), count(value) FROM feed_gp_events GROUP BY 1 ORDER BY 1",
    ) == [("car", 26, 0), ("con", 109, 0), ("imm", 94, 0), ("obs", 980, 861), ("pro", 103, 0)]
    assert _count(data_dir, "SELECT count(*) FROM feed_gp_events WHERE snomed_code = '271649006'") == [(97,)]


def test_patients_without_nhs_numbers_link_with_their_deaths(imported):
    data_dir, _ = imported
    persons = pq.read_table(data_dir / "linked" / "persons.parquet").to_pylist()
    assert len(persons) == 10
    assert {p["nhs_number"] for p in persons} == {None}
    assert not any(p["registered"] for p in persons)
    deaths = pq.read_table(data_dir / "linked" / "deaths.parquet").to_pylist()
    events = pq.read_table(data_dir / "linked" / "gp_events.parquet").to_pylist()
    for death in deaths:
        patient_id = death["source_record_id"].removeprefix("death-")
        event_people = {e["person_id"] for e in events if e["source_person_id"] == patient_id}
        assert event_people == {death["person_id"]}


def test_importing_the_same_folder_again_changes_nothing(imported):
    data_dir, _ = imported
    with FeedStore.open(data_dir) as store:
        before = store.connection.execute("SELECT count(*) FROM deliveries").fetchone()
        again = import_fhir_directory(store, SAMPLE)
        assert {load.status for load in again.loads} == {"already loaded"}
        assert store.connection.execute("SELECT count(*) FROM deliveries").fetchone() == before


FEEDS = ("gp_appointments", "ae_attendances", "apc_spells", "gp_events", "deaths")


def _feed_counts(store):
    return {
        feed: store.connection.execute(
            f"SELECT sender_code, count(*), count(DISTINCT source_record_id) FROM feed_{feed} GROUP BY 1 ORDER BY 1"
        ).fetchall()
        for feed in FEEDS
    }


def test_several_deliveries_at_once_load_what_one_at_a_time_loads(tmp_path):
    """import_fhir_deliveries loads each feed's files of every folder together (docs/benchmarks.md):
    the rows, persons, reports and deliveries are those of importing each folder on its own."""
    senders = [(SAMPLE, "FHIR-ONE"), (SAMPLE, "FHIR-TWO")]
    with FeedStore.open(tmp_path / "apart") as store:
        apart = [import_fhir_directory(store, folder, sender_code=sender) for folder, sender in senders]
        apart_counts = _feed_counts(store)
        apart_deliveries = store.connection.execute("SELECT count(*), sum(loaded_rows) FROM deliveries").fetchone()
    with FeedStore.open(tmp_path / "together") as store:
        together = import_fhir_deliveries(store, senders)
        assert _feed_counts(store) == apart_counts
        assert (
            store.connection.execute("SELECT count(*), sum(loaded_rows) FROM deliveries").fetchone() == apart_deliveries
        )
    assert [r.sender_code for r in together] == ["FHIR-ONE", "FHIR-TWO"]
    for one, other in zip(apart, together, strict=True):
        assert (dict(one.rows), dict(one.resources), one.dangling) == (
            dict(other.rows),
            dict(other.resources),
            other.dangling,
        )
        assert sorted((load.feed, load.loaded_rows) for load in one.loads) == sorted(
            (load.feed, load.loaded_rows) for load in other.loads
        )
    assert [(sender, rows) for sender, rows, _ in apart_counts["apc_spells"]] == [("FHIR-ONE", 9), ("FHIR-TWO", 9)]
