"""Synthetic London's GP feeds as FHIR R4 bundles (`octopus generate --gp-format fhir`): valid
FHIR, imported by `load-fhir` into exactly the persons, events and appointments the CSV route
gives for the same seed, and exactly what the truth files say."""

from collections import Counter
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from octopus.population.feeds.fhir import import_fhir_directory
from octopus.population.feeds.load import load_file
from octopus.population.feeds.store import FeedStore
from octopus.synthetic import gp_record
from octopus.synthetic.conditions import CONDITIONS
from octopus.synthetic.generator import generate

AS_OF = "2026-11-01"
SETTINGS = {
    "residents": 900,
    "areas": ["Westminster"],
    "as_of": AS_OF,
    "seed": 13,
    "progress": False,
    "chunk_size": 400,
}
pytestmark = pytest.mark.slow


def import_bundles(out: Path, data_dir: Path) -> list:
    """Every delivery folder through the importer, oldest delivery first, each under its PCN's
    own code (as the CSV route's sender) so the two routes' keys can be compared."""
    reports = []
    with FeedStore.open(data_dir) as store:
        for delivery in sorted((out / "fhir").iterdir()):
            for folder in sorted(delivery.iterdir()):
                reports.append(import_fhir_directory(store, folder, sender_code=folder.name))
    return reports


def load_gp_files(out: Path, data_dir: Path) -> None:
    files = sorted((out / "feeds").glob("gp_*"), key=lambda path: (path.stem.split("__")[2], path.name))
    with FeedStore.open(data_dir) as store:
        for path in files:
            load_file(store, path)


def rows(data_dir: Path, sql: str) -> list[tuple]:
    with FeedStore.open(data_dir, read_only=True) as store:
        return store.connection.execute(sql).fetchall()


def current(feed: str, columns: str) -> str:
    return f"SELECT {columns} FROM feed_{feed} WHERE _superseded_by IS NULL"


@pytest.fixture(scope="module")
def routes(tmp_path_factory):
    root = tmp_path_factory.mktemp("gp-routes")
    generate(root / "csv", **SETTINGS)
    manifest = generate(root / "fhir", gp_format="fhir", **SETTINGS)
    load_gp_files(root / "csv", root / "csv-store")
    reports = import_bundles(root / "fhir", root / "fhir-store")
    return root, manifest, reports


def test_gp_feeds_are_bundles_and_other_feeds_stay_files(routes):
    root, manifest, _ = routes
    assert manifest.gp_format == "fhir" and manifest.fhir_bundles > 0
    assert not list((root / "fhir" / "feeds").glob("gp_*"))
    assert {name.split("__")[0] for name in manifest.files} == {
        name.split("__")[0] for name in (p.name for p in (root / "csv" / "feeds").iterdir())
    } - {"gp_registrations", "gp_appointments", "gp_events"}
    assert all(folder.count("/") == 1 for folder in manifest.fhir_folders)


def test_every_bundle_is_valid_fhir(routes):
    from fhir.resources.R4B.bundle import Bundle

    root, _, _ = routes
    kinds = Counter()
    for path in sorted((root / "fhir" / "fhir").rglob("*.json")):
        bundle = Bundle.model_validate_json(path.read_bytes())
        assert bundle.type == "collection"
        kinds.update(entry.resource.get_resource_type() for entry in bundle.entry)
    assert set(kinds) == {"Patient", "Encounter", "Condition", "Observation", "Procedure", "Immunization"}


def test_importer_takes_every_resource_and_quarantines_none(routes):
    _, _, reports = routes
    assert all(not report.skipped for report in reports)
    assert all(load.quarantined_rows == 0 for report in reports for load in report.loads)


def test_same_persons_as_the_csv_route_and_the_truth(routes):
    root, _, _ = routes
    columns = "sender_code, source_person_id, nhs_number, given_name, family_name, date_of_birth, sex, postcode"
    from_csv = rows(root / "csv-store", current("gp_registrations", columns))
    from_fhir = rows(root / "fhir-store", f"SELECT {columns} FROM person_demographics")
    assert sorted(from_fhir) == sorted(from_csv)
    persons = pq.read_table(root / "fhir" / "truth" / "persons.parquet").to_pandas()
    registered = persons[persons["practice_code"].notna()]
    assert len(from_fhir) == len(registered)
    assert {row[2] for row in from_fhir} == set(registered["nhs_number"])
    deaths = rows(root / "fhir-store", current("deaths", "source_record_id, date_of_death"))
    assert len(deaths) == registered["date_of_death"].notna().sum()


def test_same_coded_events_as_the_csv_route(routes):
    root, _, _ = routes
    columns = "sender_code, source_person_id, event_date, snomed_code, value, unit"
    from_csv = Counter(rows(root / "csv-store", current("gp_events", columns)))
    from_fhir = Counter(rows(root / "fhir-store", current("gp_events", columns)))
    assert from_fhir == from_csv
    prefixes = dict(
        rows(
            root / "fhir-store",
            current("gp_events", "split_part(source_record_id, '-', 1) AS kind, count(*)") + " GROUP BY kind",
        )
    )
    assert set(prefixes) == {"con", "obs", "pro", "imm"}


def test_each_condition_is_coded_for_exactly_the_residents_who_have_it(routes):
    root, _, _ = routes
    persons = pq.read_table(root / "fhir" / "truth" / "persons.parquet").to_pandas()
    registered = persons[persons["practice_code"].notna()]
    for condition in CONDITIONS:
        codes = ", ".join(f"'{code}'" for code in gp_record.snomed_codes(condition.snomed_list))
        coded = rows(
            root / "fhir-store",
            "SELECT count(DISTINCT source_person_id) FROM feed_gp_events WHERE _superseded_by IS NULL AND "
            f"snomed_code IN ({codes})",
        )
        assert coded == [(int(registered[condition.name].sum()),)], condition.name


def test_same_appointments_as_the_csv_route(routes):
    root, _, _ = routes
    columns = "sender_code, source_person_id, appointment_date, status, mode"
    # R4 Encounter has no did-not-attend status: it is sent as `unknown`, which reads as booked;
    # telephone and video are both `VR` (virtual), which reads as video.
    fold = {"did_not_attend": "booked"}
    from_csv = Counter(
        (s, p, d, fold.get(status, status), "video" if mode in ("telephone", "video") else "face_to_face")
        for s, p, d, status, mode in rows(root / "csv-store", current("gp_appointments", columns))
    )
    from_fhir = Counter(rows(root / "fhir-store", current("gp_appointments", columns)))
    assert from_fhir == from_csv


def test_malformed_resources_are_exactly_those_the_importer_refuses(tmp_path):
    rate = 0.05
    generate(tmp_path / "out", gp_format="fhir", malformed_rate=rate, **{**SETTINGS, "residents": 600})
    reports = import_bundles(tmp_path / "out", tmp_path / "store")
    assert all(load.quarantined_rows == 0 for report in reports for load in report.loads)
    truth = pq.read_table(tmp_path / "out" / "truth" / "record_truth.parquet").to_pandas()
    gp = truth[truth.feed.isin(["gp_registrations", "gp_appointments", "gp_events"])]
    assert abs(gp["malformed"].mean() - rate) < 0.01
    for feed, kinds in (
        ("gp_registrations", {"invalid_nhs_number"}),
        ("gp_appointments", {"invalid_code", "missing_required"}),
        ("gp_events", {"invalid_code", "missing_required"}),
    ):
        assert set(gp.loc[(gp.feed == feed) & gp.malformed, "malformed_kind"]) == kinds, feed
    events = truth[truth.feed.isin(["gp_appointments", "gp_events"])]
    imported = rows(
        tmp_path / "store",
        "SELECT source_record_id FROM feed_gp_events WHERE _superseded_by IS NULL UNION ALL "
        "SELECT source_record_id FROM feed_gp_appointments WHERE _superseded_by IS NULL",
    )
    assert sorted(record.split("-", 1)[1] for (record,) in imported) == sorted(
        events.loc[~events.malformed, "source_record_id"]
    )
    bad_numbers = rows(tmp_path / "store", "SELECT count(*) FROM person_demographics WHERE nhs_number IS NULL")
    assert bad_numbers == [(int(gp.loc[gp.feed == "gp_registrations", "malformed"].sum()),)]
