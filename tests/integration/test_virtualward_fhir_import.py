"""FHIR R4 Observation import onto the virtual ward (decision 0053): a Bundle, one Observation or
NDJSON, from a device's service account or the CLI; refused whole, naming entry and field; scored and
alerted by the same service as the JSON API; and ward readings never doubled as Encounters."""

import datetime as dt
import json

import pytest
from django.utils import timezone
from fhir.resources.R4B.bundle import Bundle
from typer.testing import CliRunner

from octopus.api.service_accounts import issue
from octopus.care import services as care_services
from octopus.directory.models import Organisation, Team
from octopus.governance.models import AuditEvent
from octopus.residents.factories import make_activity, make_resident
from octopus.virtualward import services
from octopus.virtualward.models import Alert, Observation

pytestmark = pytest.mark.django_db

NHS = "https://fhir.nhs.uk/Id/nhs-number"
LOINC = "http://loinc.org"
UCUM = "http://unitsofmeasure.org"


@pytest.fixture
def ward(make_user):
    health = Organisation.objects.create(name="Central London Community Healthcare", heart="health")
    team = Team.objects.create(organisation=health, name="Virtual Ward North", tier="consistent")
    other = Team.objects.create(organisation=health, name="District Nursing South", tier="consistent")
    nurse = make_user("clinician", team=team, username="nurse")
    outsider = make_user("clinician", team=other, username="outsider")
    resident = make_resident(given_name="Mary", family_name="Jones", nhs_number="9434765919")
    care_services.open_case(resident, team, nurse, source="search", holder=nurse)
    admission = services.admit(
        resident,
        team,
        nurse,
        reason="Heart failure",
        observations_per_day=3,
        expected_discharge_on=timezone.localdate() + dt.timedelta(days=10),
        admitted_at=timezone.now() - dt.timedelta(hours=6),
    )
    _account, token = issue("Oximeter hub 7", nurse, "system/Observation.c")
    return {
        "team": team,
        "nurse": nurse,
        "outsider": outsider,
        "resident": resident,
        "admission": admission,
        "device": {"HTTP_AUTHORIZATION": f"Bearer {token}"},
    }


def _when(hours_ago: float = 1) -> str:
    return (timezone.now() - dt.timedelta(hours=hours_ago)).replace(microsecond=0).isoformat()


def _quantity(code: str, value, unit: str) -> dict:
    return {
        "code": {"coding": [{"system": LOINC, "code": code}]},
        "valueQuantity": {"value": value, "system": UCUM, "code": unit},
    }


def _vitals(
    when: str,
    *,
    rr=22,
    spo2=93,
    sbp=95,
    pulse=112,
    temp=(101.1, "[degF]"),
    acvpu="Alert",
    oxygen="Air",
    nhs="9434765919",
) -> list[dict]:
    """One set as seven Observations, by default deteriorating (NEWS2 9, high), temperature in °F."""
    base = {
        "resourceType": "Observation",
        "status": "final",
        "effectiveDateTime": when,
        "subject": {"identifier": {"system": NHS, "value": nhs}},
        "category": [
            {
                "coding": [
                    {"system": "http://terminology.hl7.org/CodeSystem/observation-category", "code": "vital-signs"}
                ]
            }
        ],
    }
    return [
        {**base, "id": "rr", **_quantity("9279-1", rr, "/min")},
        {**base, "id": "spo2", **_quantity("59408-5", spo2, "%")},
        {
            **base,
            "id": "bp",
            "code": {"coding": [{"system": LOINC, "code": "85354-9"}]},
            "component": [_quantity("8480-6", sbp, "mm[Hg]"), _quantity("8462-4", 60, "mm[Hg]")],
        },
        {**base, "id": "hr", **_quantity("8867-4", pulse, "{beats}/min")},
        {**base, "id": "temp", **_quantity("8310-5", temp[0], temp[1])},
        {**base, "id": "acvpu", "code": {"text": "Level of consciousness (ACVPU)"}, "valueString": acvpu},
        {**base, "id": "o2", "code": {"text": "Air or supplemental oxygen"}, "valueString": oxygen},
    ]


def _bundle(resources, kind="transaction") -> dict:
    return {
        "resourceType": "Bundle",
        "type": kind,
        "entry": [{"resource": r, "request": {"method": "POST", "url": "Observation"}} for r in resources],
    }


def _post(client, url, body, headers, content_type="application/fhir+json"):
    data = body if isinstance(body, str) else json.dumps(body)
    return client.post(url, data, content_type=content_type, **headers)


def test_a_device_sends_a_transaction_bundle_scored_and_alerted_as_the_json_api(client, ward):
    response = _post(client, "/api/fhir/", _bundle(_vitals(_when())), ward["device"])
    assert response.status_code == 201, response.content
    answer = Bundle.model_validate(response.json())
    assert answer.type == "transaction-response" and len(answer.entry) == 7
    observation = Observation.objects.get()
    # RR 22: 2; SpO2 93 (scale 1): 2; air: 0; SBP 95: 2; pulse 112: 2; alert: 0; 101.1 °F = 38.4 °C: 1.
    assert (observation.total, observation.risk, observation.source) == (9, "high", "fhir")
    assert str(observation.temperature) == "38.4" and observation.recorded_by == "Oximeter hub 7"
    assert all(e.response.location == f"Observation/vw-{observation.pk}-news2" for e in answer.entry)
    assert Alert.objects.get().risk == "high"
    assert "Alert raised: NEWS2 9" in response.content.decode()
    # The device sent an NHS number; nothing more about the resident comes back to it.
    assert "Mary" not in response.content.decode() and ward["resident"].person_id not in response.content.decode()
    audited = AuditEvent.objects.filter(
        action="create",
        resident_id=ward["resident"].person_id,
        summary__startswith="Virtual ward observation, NEWS2 9 (FHIR import, Oximeter hub 7)",
    )
    assert audited.count() == 1
    # Sent again (a device retrying): answered, not stored twice.
    again = _post(client, "/api/fhir/", _bundle(_vitals(observation.taken_at.isoformat())), ward["device"])
    assert again.status_code == 200 and "Already recorded" in again.content.decode()
    assert Observation.objects.count() == 1 and Alert.objects.count() == 1


def test_one_observation_carrying_the_set_as_components_and_oxygen_as_a_flow_rate(client, ward):
    parts = _vitals(_when(), temp=(37.0, "Cel"), sbp=120, pulse=70, rr=16, spo2=97)
    components = [{"code": p["code"], "valueQuantity": p["valueQuantity"]} for p in parts if "valueQuantity" in p]
    components.append(parts[2]["component"][0])
    components.append(_quantity("3151-8", 2, "L/min"))  # 2 L/min: on oxygen
    resource = {
        **parts[0],
        "id": "set-1",
        "code": {"text": "NEWS2 observation set"},
        "valueQuantity": None,
        "component": [*components, {"code": {"text": "Level of consciousness (ACVPU)"}, "valueString": "A"}],
    }
    resource.pop("valueQuantity")
    resource["code"] = {"coding": [{"system": LOINC, "code": "85354-9"}]}
    response = _post(client, "/api/fhir/Observation", resource, ward["device"])
    assert response.status_code == 201, response.content
    observation = Observation.objects.get()
    assert observation.on_oxygen and observation.scores["air_or_oxygen"] == 2 and observation.consciousness == "A"


def test_ndjson_through_the_cli_as_a_named_user(tmp_path, ward):
    from octopus.cli import app

    first, second = _vitals(_when(3), rr=16, spo2=97, sbp=120, pulse=70, temp=(37.0, "Cel")), _vitals(_when(1))
    path = tmp_path / "hub7.ndjson"
    path.write_text("\n".join(json.dumps(r) for r in first + second) + "\n")
    result = CliRunner().invoke(app, ["virtual-ward", "import-fhir", str(path), "--as", "nurse"])
    assert result.exit_code == 0, result.output
    assert "2 observation sets recorded, 0 already recorded, 1 alerts raised" in result.output
    assert list(Observation.objects.order_by("taken_at").values_list("total", flat=True)) == [0, 9]
    refused = CliRunner().invoke(app, ["virtual-ward", "import-fhir", str(path), "--as", "outsider"])
    assert (
        refused.exit_code == 1
        and (
            "hub7.ndjson: line 1 (Observation/rr): subject: NHS number 9434765919 is not on a "
            "virtual ward you record for"
        )
        in refused.output
    )


MALFORMED = {
    "kilopascals": (
        lambda r: r[2]["component"][0]["valueQuantity"].update(code="kPa"),
        "entry 3 (Observation/bp): component[0].valueQuantity.code: 'kPa' is not a unit",
    ),
    "not UCUM": (
        lambda r: r[3]["valueQuantity"].update(system="http://example.org/units"),
        "entry 4 (Observation/hr): valueQuantity.system: units must be UCUM",
    ),
    "unknown code": (
        lambda r: r[0].update(code={"coding": [{"system": LOINC, "code": "29463-7"}]}),
        "entry 1 (Observation/rr): code: '29463-7' is not a NEWS2 parameter",
    ),
    "no time zone": (
        lambda r: r[1].update(effectiveDateTime="2026-11-24T08:00:00"),
        "entry 2 (Observation/spo2): effectiveDateTime: '2026-11-24T08:00:00' gives no time zone",
    ),
    "implausible": (
        lambda r: r[1]["valueQuantity"].update(value=150),
        "entry 2 (Observation/spo2): spo2: SpO2: 150 % oxygen saturation is not a plausible reading",
    ),
    "not a number": (
        lambda r: r[0]["valueQuantity"].update(value="fast"),
        "entry 1 (Observation/rr): valueQuantity.value",
    ),
    "entered in error": (
        lambda r: r[4].update(status="entered-in-error"),
        "entry 5 (Observation/temp): status: 'entered-in-error'",
    ),
    "bad ACVPU": (
        lambda r: r[5].update(valueString="Drowsy"),
        "entry 6 (Observation/acvpu): valueString: 'Drowsy' is not",
    ),
    "missing parameter": (lambda r: r.pop(6), "the set for NHS number 9434765919 at"),
    "stranger": (
        lambda r: [x["subject"]["identifier"].update(value="9000000009") for x in r],
        "subject: NHS number 9000000009 is not on a virtual ward you record for",
    ),
    "other identifier": (
        lambda r: r[0]["subject"]["identifier"].update(system="https://example.org/mrn"),
        "entry 1 (Observation/rr): subject.identifier.system",
    ),
}


@pytest.mark.parametrize("case", sorted(MALFORMED))
def test_malformed_bundles_are_refused_whole_naming_entry_and_field(client, ward, case):
    change, words = MALFORMED[case]
    resources = _vitals(_when())
    change(resources)
    good = _vitals(_when(2), rr=16, spo2=97, sbp=120, pulse=70, temp=(37.0, "Cel"))  # a good set beside it
    response = _post(client, "/api/fhir/", _bundle(good + resources), ward["device"])
    assert response.status_code == 422, response.content
    outcome = response.json()
    assert outcome["resourceType"] == "OperationOutcome"
    diagnostics = outcome["issue"][0]["diagnostics"]
    # The bad set follows seven good entries: renumber the expected entry.
    if "entry " in words:
        number = int(words.split("entry ")[1].split(" ")[0])
        words = words.replace(f"entry {number} ", f"entry {number + 7} ", 1)
    assert words in diagnostics
    assert not Observation.objects.exists() and not Alert.objects.exists()


def test_malformed_files_name_the_line_and_refuse_the_kind_of_bundle(client, ward):
    lines = [json.dumps(r) for r in _vitals(_when())]
    lines[3] = lines[3][:-5]
    response = _post(client, "/api/fhir/Observation", "\n".join(lines), ward["device"], "application/fhir+ndjson")
    assert (
        response.status_code == 422 and "request body: line 4: not JSON" in response.json()["issue"][0]["diagnostics"]
    )
    collection = _post(client, "/api/fhir/", _bundle(_vitals(_when()), kind="collection"), ward["device"])
    assert (
        collection.status_code == 422
        and "Bundle.type: expected a transaction or batch Bundle" in collection.content.decode()
    )
    put = _bundle(_vitals(_when()))
    put["entry"][0]["request"] = {"method": "PUT", "url": "Observation/rr"}
    assert (
        "entry 1 (Observation/rr): request: only creating Observations"
        in _post(client, "/api/fhir/", put, ward["device"]).content.decode()
    )
    conflicting = _vitals(_when())
    conflicting.append({**conflicting[0], "id": "rr-2", "valueQuantity": {"value": 30, "system": UCUM, "code": "/min"}})
    answer = _post(client, "/api/fhir/", _bundle(conflicting), ward["device"]).json()["issue"][0]["diagnostics"]
    assert (
        "entry 8 (Observation/rr-2): value: respiration rate for NHS number 9434765919" in answer
        and "already given as 22" in answer
    )
    assert not Observation.objects.exists()


def test_only_a_device_scope_writes_and_it_reads_nothing(client, ward, make_user):
    body = _bundle(_vitals(_when()))
    assert _post(client, "/api/fhir/", body, {}).status_code == 401
    client.force_login(ward["nurse"])  # a person's session reads as user/*.read: no writing
    assert _post(client, "/api/fhir/", body, {}).status_code == 403
    assert _post(client, "/api/fhir/Observation", body["entry"][0]["resource"], {}).status_code == 403
    client.logout()
    _account, reader = issue(
        "Reader", make_user("clinician", team=ward["team"], username="nurse2"), "system/Observation.read"
    )
    assert _post(client, "/api/fhir/", body, {"HTTP_AUTHORIZATION": f"Bearer {reader}"}).status_code == 403
    _account, elsewhere = issue("Other hub", ward["outsider"], "system/Observation.c")
    other = _post(client, "/api/fhir/", body, {"HTTP_AUTHORIZATION": f"Bearer {elsewhere}"})
    assert other.status_code == 422 and "is not on a virtual ward you record for" in other.content.decode()
    searched = client.get("/api/fhir/Observation", {"patient": ward["resident"].person_id}, **ward["device"])
    assert searched.status_code == 403
    assert not Observation.objects.exists()


def test_the_export_reads_back_in_to_the_same_score(client, ward):
    recorded = services.record_observation(
        ward["admission"],
        {
            "respiration_rate": 22,
            "spo2": 93,
            "on_oxygen": True,
            "systolic_bp": 95,
            "pulse": 112,
            "consciousness": "C",
            "temperature": "38.4",
        },
        source="api",
        recorded_by="device-7",
        taken_at=timezone.now() - dt.timedelta(hours=2),
    )
    client.force_login(ward["nurse"])
    exported = [
        e["resource"]
        for e in client.get("/api/fhir/Observation", {"patient": ward["resident"].person_id}).json()["entry"]
        if e["resource"]["id"].startswith("vw-")
    ]
    assert len(exported) == 8  # seven parameters and the NEWS2 total, once each
    client.logout()
    for resource in exported:
        resource["effectiveDateTime"] = _when(1)
    response = _post(client, "/api/fhir/", _bundle(exported), ward["device"])
    assert response.status_code == 201, response.content
    copy_ = Observation.objects.exclude(pk=recorded.observation.pk).get()
    assert (copy_.total, copy_.scores) == (recorded.observation.total, recorded.observation.scores)


def test_ward_readings_are_observations_never_home_health_encounters(client, ward):
    make_activity(ward["resident"], "community", days_ago=3, summary="District nurse visit")
    _post(
        client,
        "/api/fhir/",
        _bundle(_vitals(_when(2), rr=16, spo2=97, sbp=120, pulse=70, temp=(37.0, "Cel"))),
        ward["device"],
    )
    _post(client, "/api/fhir/", _bundle(_vitals(_when(1))), ward["device"])  # high: an alert on the timeline too
    client.force_login(ward["nurse"])
    encounters = client.get("/api/fhir/Encounter", {"patient": ward["resident"].person_id}).json()
    assert (
        encounters["total"] == 1
        and encounters["entry"][0]["resource"]["reasonCode"][0]["text"] == "District nurse visit"
    )
    observations = client.get("/api/fhir/Observation", {"patient": ward["resident"].person_id, "_count": 100}).json()
    ward_resources = [e for e in observations["entry"] if e["resource"]["id"].startswith("vw-")]
    assert len(ward_resources) == 16  # two sets of eight, not repeated


def test_an_nhs_number_two_residents_on_the_ward_share_matches_neither(client, ward):
    twin = make_resident(given_name="Mary", family_name="Jonas", nhs_number="9434765919")  # a linkage error
    services.admit(
        twin,
        ward["team"],
        ward["nurse"],
        reason="COPD",
        observations_per_day=2,
        expected_discharge_on=timezone.localdate() + dt.timedelta(days=5),
        admitted_at=timezone.now() - dt.timedelta(hours=6),
    )
    response = _post(client, "/api/fhir/", _bundle(_vitals(_when())), ward["device"])
    assert response.status_code == 422 and "belongs to more than one resident on your ward" in response.content.decode()
    assert not Observation.objects.exists()
