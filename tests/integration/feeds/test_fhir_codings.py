"""FHIR that systems other than Synthea and our generator send (issue #15): hand-written bundles
and Bulk Data NDJSON, one test per coding, imported into a fresh feed store."""

import datetime as dt
import gzip
import json
from pathlib import Path

import pytest

from octopus.population.feeds.fhir import import_fhir_directory
from octopus.population.feeds.store import FeedStore
from octopus.population.feeds.validate import FeedRejected

NHS = "https://fhir.nhs.uk/Id/nhs-number"
ODS = "https://fhir.nhs.uk/Id/ods-organization-code"
# 9434765919: a valid Modulus 11 NHS number from NHS Digital's test data conventions.
NHS_NUMBER = "9434765919"


def patient(pid=None, **extra):
    resource = {
        "resourceType": "Patient",
        "gender": "female",
        "birthDate": "1940-02-03",
        "name": [{"use": "official", "family": "Example", "given": ["Ada"]}],
        **extra,
    }
    if pid:
        resource["id"] = pid
    return resource


def inpatient(subject, start, **extra):
    return {
        "resourceType": "Encounter",
        "status": "finished",
        "class": {"system": "http://terminology.hl7.org/CodeSystem/v3-ActCode", "code": "IMP"},
        "subject": {"reference": subject},
        "period": {"start": start, "end": "2024-03-05T10:00:00Z"},
        **extra,
    }


def encounter(subject, code, start, status="finished", **extra):
    return {
        "resourceType": "Encounter",
        "status": status,
        "class": {"system": "http://terminology.hl7.org/CodeSystem/v3-ActCode", "code": code},
        "subject": {"reference": subject},
        "period": {"start": start},
        **extra,
    }


def bundle(*entries, kind="transaction"):
    return {
        "resourceType": "Bundle",
        "type": kind,
        "entry": [
            {
                "fullUrl": url,
                "resource": resource,
                **({"request": {"method": "POST", "url": resource["resourceType"]}} if kind == "transaction" else {}),
            }
            for url, resource in entries
        ],
    }


def write(folder: Path, name: str, content) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_text(content if isinstance(content, str) else json.dumps(content))
    return path


def imported(tmp_path, *bundles, sender="TESTSENDER"):
    folder = tmp_path / "in"
    for number, content in enumerate(bundles):
        write(folder, f"bundle{number}.json", content)
    with FeedStore.open(tmp_path / "data") as store:
        report = import_fhir_directory(store, folder, sender_code=sender)
    return report, tmp_path / "data"


def rows(data_dir, sql):
    with FeedStore.open(data_dir, read_only=True) as store:
        return store.connection.execute(sql).fetchall()


def test_resources_without_id_are_keyed_by_full_url(tmp_path):
    report, data = imported(
        tmp_path,
        bundle(
            ("urn:uuid:aaaa-1", patient()),
            ("urn:uuid:bbbb-2", encounter("urn:uuid:aaaa-1", "AMB", "2024-01-02T09:00:00Z")),
            ("urn:uuid:cccc-3", encounter("urn:uuid:aaaa-1", "AMB", "2024-01-03T09:00:00Z")),
        ),
    )
    assert rows(data, "SELECT source_record_id, source_person_id FROM feed_gp_appointments ORDER BY 1") == [
        ("enc-bbbb-2", "aaaa-1"),
        ("enc-cccc-3", "aaaa-1"),
    ]
    assert rows(data, "SELECT source_person_id FROM person_demographics") == [("aaaa-1",)]
    assert not report.dangling_count


def test_references_resolve_by_id_and_by_full_url(tmp_path):
    # One Patient with an id under a urn:uuid fullUrl: one reference by id, one by fullUrl.
    _, data = imported(
        tmp_path,
        bundle(
            ("urn:uuid:p-1", patient("p1")),
            ("urn:uuid:e-1", encounter("Patient/p1", "AMB", "2024-01-02")),
            ("urn:uuid:e-2", encounter("urn:uuid:p-1", "AMB", "2024-01-03")),
            ("urn:uuid:e-3", encounter("https://gp.example.invalid/fhir/Patient/p1", "AMB", "2024-01-04")),
        ),
    )
    assert rows(data, "SELECT DISTINCT source_person_id FROM feed_gp_appointments") == [("p1",)]
    assert rows(data, "SELECT count(*) FROM feed_gp_appointments") == [(3,)]


@pytest.mark.parametrize(
    ("coding", "method"),
    [
        (
            {
                "priority": {
                    "coding": [{"system": "http://terminology.hl7.org/CodeSystem/v3-ActPriority", "code": "EM"}]
                }
            },
            "emergency",
        ),
        ({"priority": {"text": "Emergency"}}, "emergency"),
        (
            {
                "hospitalization": {
                    "admitSource": {
                        "coding": [{"system": "http://terminology.hl7.org/CodeSystem/admit-source", "code": "emd"}]
                    }
                }
            },
            "emergency",
        ),
        (
            {
                "extension": [
                    {
                        "url": "https://fhir.hl7.org.uk/StructureDefinition/Extension-UKCore-AdmissionMethod",
                        "valueCodeableConcept": {"coding": [{"code": "21"}]},
                    }
                ]
            },
            "emergency",
        ),
        (
            {
                "extension": [
                    {
                        "url": "https://fhir.hl7.org.uk/StructureDefinition/Extension-UKCore-AdmissionMethod",
                        "valueCodeableConcept": {"coding": [{"code": "11"}]},
                    }
                ]
            },
            "elective",
        ),
        (
            {
                "priority": {
                    "coding": [{"system": "http://terminology.hl7.org/CodeSystem/v3-ActPriority", "code": "EL"}]
                }
            },
            "elective",
        ),
        ({}, "elective"),
    ],
)
def test_admission_method_from_the_encounters_own_coding(tmp_path, coding, method):
    _, data = imported(
        tmp_path,
        bundle(
            ("urn:uuid:p", patient("p1")), ("urn:uuid:i", inpatient("Patient/p1", "2024-03-01T10:00:00Z", **coding))
        ),
    )
    assert rows(data, "SELECT admission_method FROM feed_apc_spells") == [(method,)]


def test_ae_then_admission_within_24_hours_is_emergency_and_admitted(tmp_path):
    _, data = imported(
        tmp_path,
        bundle(
            ("urn:uuid:p", patient("p1")),
            ("urn:uuid:a", encounter("Patient/p1", "EMER", "2024-03-01T02:00:00Z")),
            ("urn:uuid:i", inpatient("Patient/p1", "2024-03-01T20:00:00Z")),
            ("urn:uuid:a2", encounter("Patient/p1", "EMER", "2024-02-01T02:00:00Z")),
            ("urn:uuid:i2", inpatient("Patient/p1", "2024-02-03T20:00:00Z")),
        ),
    )
    assert rows(data, "SELECT admission_date, admission_method FROM feed_apc_spells ORDER BY 1") == [
        (dt.date(2024, 2, 3), "elective"),
        (dt.date(2024, 3, 1), "emergency"),
    ]
    assert rows(data, "SELECT disposal FROM feed_ae_attendances ORDER BY arrival_datetime") == [
        ("discharged",),
        ("admitted",),
    ]


def test_gp_registration_ethnicity_postcode_and_lsoa_from_uk_core(tmp_path):
    person = patient(
        "p1",
        identifier=[{"system": NHS, "value": NHS_NUMBER}],
        generalPractitioner=[{"reference": "urn:uuid:org"}],
        extension=[
            {
                "url": "https://fhir.hl7.org.uk/StructureDefinition/Extension-UKCore-EthnicCategory",
                "valueCodeableConcept": {
                    "coding": [{"system": "https://fhir.hl7.org.uk/CodeSystem/UKCore-EthnicCategory", "code": "N"}]
                },
            }
        ],
        address=[
            {"use": "old", "postalCode": "E1 6AN"},
            {
                "use": "home",
                "line": ["1 Example Street"],
                "postalCode": "w2 1ny",
                "extension": [
                    {"url": "https://example.invalid/StructureDefinition/lsoa-2021", "valueCode": "E01004710"}
                ],
            },
        ],
    )
    organisation = {"resourceType": "Organization", "identifier": [{"system": ODS, "value": "E87008"}]}
    _, data = imported(tmp_path, bundle(("urn:uuid:p", person), ("urn:uuid:org", organisation)))
    assert rows(
        data,
        "SELECT source_person_id, nhs_number, practice_ods_code, ethnicity_snomed_code, postcode, "
        "lsoa_code, address_line FROM feed_gp_registrations",
    ) == [("p1", NHS_NUMBER, "E87008", "92491000000104", "W2 1NY", "E01004710", "1 Example Street")]


def test_registration_needs_an_nhs_number_and_a_practice(tmp_path):
    inline = {"identifier": {"system": ODS, "value": "E87008"}}
    report, data = imported(
        tmp_path,
        bundle(
            (
                "urn:uuid:1",
                patient("with", identifier=[{"system": NHS, "value": NHS_NUMBER}], generalPractitioner=[inline]),
            ),
            ("urn:uuid:2", patient("no-nhs", generalPractitioner=[inline])),
            ("urn:uuid:3", patient("no-gp", identifier=[{"system": NHS, "value": "9434765870"}])),
        ),
    )
    assert rows(data, "SELECT source_person_id FROM feed_gp_registrations") == [("with",)]
    assert rows(data, "SELECT count(*) FROM person_demographics") == [(3,)]


def test_did_not_attend_is_never_an_attendance(tmp_path):
    report, data = imported(
        tmp_path,
        bundle(
            ("urn:uuid:p", patient("p1")),
            ("urn:uuid:g", encounter("Patient/p1", "AMB", "2024-01-02", status="noshow")),
            ("urn:uuid:o", encounter("Patient/p1", "outpatient", "2024-01-03", status="noshow")),
            ("urn:uuid:a", encounter("Patient/p1", "EMER", "2024-01-04", status="noshow")),
            ("urn:uuid:h", encounter("Patient/p1", "HH", "2024-01-05", status="noshow")),
            ("urn:uuid:g2", encounter("Patient/p1", "AMB", "2024-01-06")),
        ),
    )
    assert rows(data, "SELECT appointment_date::VARCHAR, status FROM feed_gp_appointments ORDER BY 1") == [
        ("2024-01-02", "did_not_attend"),
        ("2024-01-06", "attended"),
    ]
    assert rows(data, "SELECT attendance FROM feed_op_attendances") == [("did_not_attend",)]
    assert rows(data, "SELECT count(*) FROM feed_ae_attendances") == [(0,)]
    assert rows(data, "SELECT count(*) FROM feed_community_contacts") == [(0,)]
    assert report.skipped["A&E encounter not attended (noshow)"] == 1


def test_dangling_reference_is_named_in_the_summary_and_not_loaded(tmp_path):
    report, data = imported(
        tmp_path,
        bundle(
            ("urn:uuid:p", patient("p1")),
            ("urn:uuid:e1", encounter("Patient/p1", "AMB", "2024-01-02")),
            ("urn:uuid:e2", {**encounter("Patient/ghost", "AMB", "2024-01-03"), "id": "visit-9"}),
        ),
    )
    assert rows(data, "SELECT source_record_id FROM feed_gp_appointments") == [("enc-e1",)]
    assert report.dangling_count == 1
    assert report.rows["gp_appointments"] == 1
    summary = "\n".join(report.summary_lines())
    assert "gp_appointments enc-visit-9 (bundle0.json, entry 3): no Patient 'ghost'" in summary


def test_reference_to_a_patient_already_in_the_store_resolves(tmp_path):
    folder = tmp_path / "first"
    write(folder, "b.json", bundle(("urn:uuid:p", patient("p1"))))
    later = tmp_path / "later"
    write(later, "b.json", bundle(("urn:uuid:e", encounter("Patient/p1", "AMB", "2024-01-02"))))
    with FeedStore.open(tmp_path / "data") as store:
        import_fhir_directory(store, folder, sender_code="TESTSENDER")
        report = import_fhir_directory(store, later, sender_code="TESTSENDER")
    assert not report.dangling_count and report.rows["gp_appointments"] == 1


def test_bulk_export_ndjson_plain_and_gzip(tmp_path):
    folder = tmp_path / "export"
    folder.mkdir()
    # Encounters first by name, Patients second: the reader puts Patient files first anyway.
    with gzip.open(folder / "Encounter.ndjson.gz", "wt") as handle:
        for day in (2, 3):
            handle.write(json.dumps({**encounter("Patient/p1", "AMB", f"2024-01-0{day}"), "id": f"e{day}"}) + "\n")
    (folder / "Patient.ndjson").write_text(json.dumps(patient("p1")) + "\n\n")
    (folder / "Condition.ndjson").write_text(
        json.dumps(
            {
                "resourceType": "Condition",
                "id": "c1",
                "subject": {"reference": "Patient/p1"},
                "onsetDateTime": "2020-05-01",
                "code": {"coding": [{"system": "http://snomed.info/sct", "code": "44054006"}]},
            }
        )
        + "\n"
    )
    with FeedStore.open(tmp_path / "data") as store:
        report = import_fhir_directory(store, folder, sender_code="BULK")
    assert dict(report.resources) == {"Patient": 1, "Encounter": 2, "Condition": 1}
    assert rows(tmp_path / "data", "SELECT count(*) FROM feed_gp_appointments") == [(2,)]
    assert rows(tmp_path / "data", "SELECT snomed_code FROM feed_gp_events") == [("44054006",)]


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("b.json", "this is not json", "b.json: is not valid JSON"),
        ("b.json", json.dumps(bundle(("urn:uuid:p", patient("p1"))))[:-20], "b.json: is not valid JSON"),
        ("b.json", json.dumps(patient("p1")), "b.json, field resourceType: is 'Patient', expected 'Bundle'"),
        (
            "b.json",
            json.dumps({"resourceType": "Bundle", "entry": [{"resource": {"id": "x"}}]}),
            "b.json, entry 1, field resourceType: missing",
        ),
        (
            "b.json",
            json.dumps(bundle(("urn:uuid:p", patient("p1", birthDate="3rd May")))),
            "b.json, entry 1, field birthDate: '3rd May' is not a FHIR date",
        ),
        (
            "Patient.ndjson",
            json.dumps(patient("p1")) + "\n" + json.dumps(encounter("Patient/p1", "AMB", "2024-01-01")),
            "Patient.ndjson, line 2, field resourceType: is 'Encounter' in a file of Patient resources",
        ),
        (
            "Patient.ndjson",
            json.dumps(patient("p1")) + '\n{"resourceType": "Pat',
            "Patient.ndjson, line 2: is not valid JSON",
        ),
    ],
)
def test_malformed_input_is_refused_naming_file_place_and_field_and_nothing_loads(tmp_path, name, content, message):
    folder = tmp_path / "in"
    write(
        folder,
        "a.json" if name.endswith(".json") else "Organization.ndjson",
        json.dumps(bundle(("urn:uuid:q", patient("q1")))) if name.endswith(".json") else "",
    )
    write(folder, name, content)
    with FeedStore.open(tmp_path / "data") as store, pytest.raises(FeedRejected) as error:
        import_fhir_directory(store, folder, sender_code="TESTSENDER")
    assert message in str(error.value)
    assert rows(
        tmp_path / "data", "SELECT (SELECT count(*) FROM deliveries), (SELECT count(*) FROM person_demographics)"
    ) == [(0, 0)]


def test_truncated_gzip_is_refused(tmp_path):
    folder = tmp_path / "in"
    folder.mkdir()
    data = gzip.compress(("\n".join(json.dumps(patient(f"p{i}")) for i in range(200))).encode())
    (folder / "Patient.ndjson.gz").write_bytes(data[: len(data) // 2])
    with (
        FeedStore.open(tmp_path / "data") as store,
        pytest.raises(FeedRejected, match="gzip stream is damaged or cut short"),
    ):
        import_fhir_directory(store, folder, sender_code="TESTSENDER")


def test_load_fhir_command_names_dangling_references_and_refuses_malformed_folders(tmp_path, monkeypatch):
    from rich.console import Console
    from typer.testing import CliRunner

    from octopus.population.feeds import cli

    monkeypatch.setattr(cli, "out", Console(width=250))
    monkeypatch.setattr(cli, "console", Console(width=250, stderr=True))
    runner = CliRunner()
    good = tmp_path / "good"
    write(
        good,
        "b.json",
        bundle(
            ("urn:uuid:p", patient("p1")),
            ("urn:uuid:e", {**encounter("Patient/ghost", "AMB", "2024-01-03"), "id": "v9"}),
        ),
    )
    data = ["--data-dir", str(tmp_path / "var")]
    done = runner.invoke(cli.app, ["load-fhir", *data, "--sender-code", "TESTSENDER", str(good)])
    assert done.exit_code == 0, done.output
    assert "gp_appointments enc-v9 (b.json, entry 2): no Patient 'ghost'" in done.output
    bad = tmp_path / "bad"
    write(bad, "b.json", '{"resourceType": "Bundle", "entry": [')
    refused = runner.invoke(cli.app, ["load-fhir", *data, str(bad)])
    assert refused.exit_code == 1
    assert "b.json: is not valid JSON" in refused.output


def test_load_fhir_takes_several_folders_each_its_own_sender(tmp_path):
    from typer.testing import CliRunner

    from octopus.population.feeds import cli

    runner = CliRunner()
    for name in ("u11111", "u22222"):
        write(
            tmp_path / name,
            "b.json",
            bundle(
                ("urn:uuid:p", patient("p1")),
                ("urn:uuid:e", {**encounter("urn:uuid:p", "AMB", "2024-01-03"), "id": "v1"}),
            ),
        )
    data = ["--data-dir", str(tmp_path / "var")]
    done = runner.invoke(cli.app, ["load-fhir", *data, str(tmp_path / "u11111"), str(tmp_path / "u22222")])
    assert done.exit_code == 0, done.output
    assert "FHIR import as sender FHIR-U11111" in done.output and "FHIR import as sender FHIR-U22222" in done.output
    both = runner.invoke(
        cli.app, ["load-fhir", *data, "--sender-code", "X", str(tmp_path / "u11111"), str(tmp_path / "u22222")]
    )
    assert both.exit_code != 0 and "one folder only" in both.output
