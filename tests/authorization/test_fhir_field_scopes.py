"""The FHIR API's field matrix: for each role and way of access (the cases of
test_field_scopes.py) and each resource type, what the scope allows is present and every value it
withholds is absent — in the resources and anywhere else in the response."""

import pytest
from fhir.resources.R4B.bundle import Bundle
from fhir.resources.R4B.patient import Patient

from .test_field_scopes import (  # noqa: F401
    CASES,
    CLINICAL_TEXT,
    EVENT_DETAIL,
    FULL,
    IDS,
    RECORD_TEXT,
    resident,
    viewer,
)

pytestmark = pytest.mark.django_db

# resource type → the distinctive clinical values it carries in the full scope
CLINICAL_RESOURCES = {
    "Condition": ["Condition Omega"],
    "Observation": ["frailty-tau"],
    "RiskAssessment": ["band-sigma", "Risk factor Zeta", "0.4321"],
    "Flag": ["band-sigma"],
}
# Withheld everywhere, whatever the scope: snapshot fields no FHIR resource carries.
NEVER = ["Segment Kappa", "Cohort Mu", "Rising reason Lambda"]


def _bundle(client, resource_type: str, person_id: str) -> tuple[Bundle, str]:
    response = client.get(f"/api/fhir/{resource_type}", {"patient": person_id})
    assert response.status_code == 200, response.content
    return Bundle.model_validate(response.json()), response.content.decode()


@pytest.mark.parametrize("viewer", CASES, ids=IDS, indirect=True)
def test_fhir_patient_shows_identity_and_contact_never_clinical_detail(client, resident, viewer):
    response = client.get(f"/api/fhir/Patient/{resident.person_id}")
    assert response.status_code == 200
    Patient.model_validate(response.json())
    body = response.content.decode()
    for value in RECORD_TEXT + [resident.nhs_number]:
        assert value in body, f"Patient: {value!r} missing in the {viewer} scope"
    for value in CLINICAL_TEXT:
        assert value not in body, f"Patient: {value!r} shown"


@pytest.mark.parametrize("resource_type", sorted(CLINICAL_RESOURCES))
@pytest.mark.parametrize("viewer", CASES, ids=IDS, indirect=True)
def test_fhir_clinical_resources_only_in_the_full_scope(client, resident, viewer, resource_type):
    bundle, body = _bundle(client, resource_type, resident.person_id)
    matches = [e for e in bundle.entry or [] if e.search.mode == "match"]
    if viewer == FULL:
        assert matches and all(e.resource.get_resource_type() == resource_type for e in matches)
        for value in CLINICAL_RESOURCES[resource_type]:
            assert value in body, f"{resource_type}: {value!r} missing in the full scope"
    else:
        assert bundle.total == 0 and not matches
        [outcome] = [e.resource for e in bundle.entry if e.search.mode == "outcome"]
        assert outcome.issue[0].code == "suppressed"
        for value in CLINICAL_TEXT + ["0.4321", "band-sigma"]:
            assert value not in body, f"{resource_type}: {value!r} shown in the {viewer} scope"
    for value in NEVER:
        assert value not in body


@pytest.mark.parametrize("viewer", CASES, ids=IDS, indirect=True)
def test_fhir_encounter_says_what_it_was_about_only_in_the_full_scope(client, resident, viewer):
    bundle, body = _bundle(client, "Encounter", resident.person_id)
    [encounter] = [e.resource for e in bundle.entry]  # the A&E visit; Octopus's own contact is no Encounter
    assert encounter.class_fhir.code == "EMER" and encounter.serviceProvider.display
    assert (EVENT_DETAIL in body) == (viewer == FULL)
    for value in CLINICAL_TEXT:
        assert value not in body


@pytest.mark.parametrize("viewer", CASES, ids=IDS, indirect=True)
def test_fhir_care_plan_carries_identity_never_snapshot_fields(client, resident, viewer):
    bundle, body = _bundle(client, "CarePlan", resident.person_id)
    [plan] = [e.resource for e in bundle.entry]
    assert plan.subject.reference == f"Patient/{resident.person_id}" and "Marigold Scopewell" in body
    for value in CLINICAL_TEXT:
        assert value not in body
    assert "020 7946 0123" not in body


@pytest.mark.parametrize("viewer", CASES, ids=IDS, indirect=True)
def test_json_care_plan_carries_identity_never_snapshot_fields(client, resident, viewer):
    """The care JSON API names the resident (every record scope shows the name) and carries the
    plan, never the snapshot's clinical fields, whatever the scope."""
    response = client.get(f"/api/care/residents/{resident.person_id}/plan")
    assert response.status_code == 200
    body = response.content.decode()
    assert resident.person_id in body
    for value in CLINICAL_TEXT + [resident.nhs_number, "020 7946 0123"]:
        assert value not in body
