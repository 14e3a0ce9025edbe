"""The read-only FHIR R4 API (decision 0033): every response validates as FHIR, searches page
with next links, service accounts read only within their SMART scopes and their user's
relationships, and every read of a resident is audited."""

import pytest
from django.core.exceptions import ValidationError
from fhir.resources.R4B.bundle import Bundle
from fhir.resources.R4B.capabilitystatement import CapabilityStatement
from fhir.resources.R4B.operationoutcome import OperationOutcome
from fhir.resources.R4B.patient import Patient

from octopus.api import service_accounts
from octopus.api.fhir.scopes import allows, parse_scopes
from octopus.care import services as care
from octopus.governance.models import AuditEvent
from octopus.residents.factories import make_activity, make_resident
from tests.security.factories import relate  # noqa: F401

pytestmark = pytest.mark.django_db

RESOURCE_TYPES = ["Condition", "Encounter", "Observation", "CarePlan", "RiskAssessment", "Flag"]


@pytest.fixture
def gp(make_user):
    return make_user("clinician")


@pytest.fixture
def resident(gp, relate):
    resident = make_resident(given_name="Ada", family_name="Lovelace")
    relate(gp, resident)
    for days in (3, 10, 30):
        make_activity(resident, "ae", days_ago=days)
    make_activity(resident, "social_care", days_ago=5, summary="Package started")  # not an Encounter
    care.start_plan(resident, gp)
    return resident


def _bundle(response) -> Bundle:
    assert response.status_code == 200, response.content
    assert response["Content-Type"] == "application/fhir+json"
    return Bundle.model_validate(response.json())


def test_metadata_is_a_public_capability_statement(client):
    response = client.get("/api/fhir/metadata")
    assert response.status_code == 200
    statement = CapabilityStatement.model_validate(response.json())
    served = {r.type for r in statement.rest[0].resource}
    assert served == {"Patient", *RESOURCE_TYPES}
    assert statement.fhirVersion == "4.0.1"


def test_fhir_without_session_or_token_is_401(client):
    assert client.get("/api/fhir/Patient").status_code == 401


def test_fhir_refused_to_roles_without_view_residents(client, make_user):
    client.force_login(make_user("analyst"))
    response = client.get("/api/fhir/Patient")
    assert response.status_code == 403
    OperationOutcome.model_validate(response.json())


def test_patient_read_validates_and_is_audited_once(client, gp, resident):
    client.force_login(gp)
    response = client.get(f"/api/fhir/Patient/{resident.person_id}")
    assert response.status_code == 200
    patient = Patient.model_validate(response.json())
    assert patient.identifier[0].value == resident.nhs_number
    assert patient.generalPractitioner[0].identifier.value == "E87711"
    assert patient.meta.profile == ["https://fhir.hl7.org.uk/StructureDefinition/UKCore-Patient"]
    events = AuditEvent.objects.filter(resident_id=resident.person_id, action="view")
    assert [(e.username, e.basis) for e in events] == [(gp.username, "Test relationship")]


def test_patient_read_without_relationship_is_403(client, make_user, resident):
    client.force_login(make_user("clinician"))
    response = client.get(f"/api/fhir/Patient/{resident.person_id}")
    assert response.status_code == 403
    assert not AuditEvent.objects.filter(resident_id=resident.person_id, action="view").exists()


@pytest.mark.parametrize("resource_type", RESOURCE_TYPES)
def test_each_resource_type_searches_by_patient_as_a_valid_bundle(client, gp, resident, resource_type):
    client.force_login(gp)
    bundle = _bundle(client.get(f"/api/fhir/{resource_type}", {"patient": resident.person_id}))
    assert bundle.type == "searchset" and bundle.total >= 1
    assert {e.resource.get_resource_type() for e in bundle.entry} == {resource_type}
    assert AuditEvent.objects.filter(resident_id=resident.person_id, action="view").count() == 1


def test_encounters_are_the_health_events_only_and_page_with_next_links(client, gp, resident):
    client.force_login(gp)
    first = _bundle(client.get("/api/fhir/Encounter", {"patient": f"Patient/{resident.person_id}", "_count": 2}))
    assert first.total == 3 and len(first.entry) == 2
    following = {link.relation: link.url for link in first.link}["next"]
    second = _bundle(client.get(following))
    assert len(second.entry) == 1 and "next" not in {link.relation for link in second.link}
    ids = [e.resource.id for e in first.entry + second.entry]
    assert len(set(ids)) == 3


def test_patient_search_pages_and_audits_each_resident_named(client, gp, relate):
    for n in range(3):
        relate(gp, make_resident(family_name=f"Pageable{n}"))
    client.force_login(gp)
    bundle = _bundle(client.get("/api/fhir/Patient", {"family": "Pageable", "_count": 2}))
    assert bundle.total == 3 and len(bundle.entry) == 2
    assert any(link.relation == "next" for link in bundle.link)
    assert AuditEvent.objects.filter(action="search", username=gp.username).count() == 1
    named = AuditEvent.objects.filter(action="view", username=gp.username).values_list("resident_id", flat=True)
    assert sorted(named) == sorted(e.resource.id for e in bundle.entry)


def test_patient_search_by_nhs_number_token(client, gp, resident):
    client.force_login(gp)
    bundle = _bundle(
        client.get("/api/fhir/Patient", {"identifier": f"https://fhir.nhs.uk/Id/nhs-number|{resident.nhs_number}"})
    )
    assert [e.resource.id for e in bundle.entry] == [resident.person_id]


@pytest.mark.parametrize(
    "query",
    [
        {"patient": ""},
        {"unknown": "1", "patient": "P1"},
        {"patient": "P1", "_count": "0"},
        {"patient": "P1", "_count": "x"},
    ],
)
def test_bad_searches_are_400_operation_outcomes(client, gp, query):
    client.force_login(gp)
    response = client.get("/api/fhir/Condition", query)
    assert response.status_code == 400
    OperationOutcome.model_validate(response.json())


def test_fhir_is_read_only(client, gp):
    client.force_login(gp)
    assert client.post("/api/fhir/Patient", {}).status_code in (403, 405)


# --- service accounts and SMART scopes -----------------------------------------------------------


def test_scopes_parse_v1_and_v2_and_refuse_writes():
    assert allows(parse_scopes("system/Patient.read"), "Patient")
    assert allows(parse_scopes("system/*.rs"), "Flag")
    assert not allows(parse_scopes("system/Patient.read"), "Condition")
    for bad in ("system/Patient.write", "system/Medication.read", "Patient.read", ""):
        with pytest.raises(ValidationError):
            parse_scopes(bad)


def test_service_account_reads_within_its_scopes_and_relationships(client, gp, resident):
    account, token = service_accounts.issue("Borough record", gp, "system/Patient.read system/CarePlan.read")
    assert account.token_hash != token
    headers = {"Authorization": f"Bearer {token}"}
    assert client.get(f"/api/fhir/Patient/{resident.person_id}", headers=headers).status_code == 200
    _bundle(client.get("/api/fhir/CarePlan", {"patient": resident.person_id}, headers=headers))
    refused = client.get("/api/fhir/Condition", {"patient": resident.person_id}, headers=headers)
    assert refused.status_code == 403 and "system/Condition.read" in refused.json()["issue"][0]["diagnostics"]
    stranger = make_resident()
    assert client.get(f"/api/fhir/Patient/{stranger.person_id}", headers=headers).status_code == 403
    event = AuditEvent.objects.filter(resident_id=resident.person_id, action="view").first()
    assert event.username == gp.username and "service account 'Borough record'" in event.summary


def test_unknown_or_withdrawn_token_is_401(client, gp):
    account, token = service_accounts.issue("Withdrawn system", gp, "system/*.read")
    assert client.get("/api/fhir/Patient", headers={"Authorization": "Bearer nonsense"}).status_code == 401
    account.active = False
    account.save()
    assert client.get("/api/fhir/Patient", headers={"Authorization": f"Bearer {token}"}).status_code == 401


def test_issue_token_command_prints_a_token_that_reads(client, gp, resident):
    from typer.testing import CliRunner

    from octopus.api.cli import app

    result = CliRunner().invoke(
        app, ["issue-token", "Borough record", "--user", gp.username, "--scopes", "system/Patient.read"]
    )
    assert result.exit_code == 0, result.output
    token = result.output.strip().splitlines()[-1]
    assert (
        client.get(f"/api/fhir/Patient/{resident.person_id}", headers={"Authorization": f"Bearer {token}"}).status_code
        == 200
    )
    refused = CliRunner().invoke(
        app, ["issue-token", "Writer", "--user", gp.username, "--scopes", "system/Patient.write"]
    )
    assert refused.exit_code != 0
