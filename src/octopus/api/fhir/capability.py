"""The CapabilityStatement at /api/fhir/metadata: what this server reads and how to authorise."""

from django.utils import timezone
from fhir.resources.R4B.capabilitystatement import CapabilityStatement

from octopus import __version__

from .resources import UK_CORE

# resource type → (UK Core profile or None, read by id?, search parameters)
SERVED = {
    "Patient": (
        "Patient",
        True,
        [
            ("_id", "token"),
            ("identifier", "token"),
            ("family", "string"),
            ("given", "string"),
            ("name", "string"),
            ("birthdate", "date"),
        ],
    ),
    "Condition": ("Condition", False, [("patient", "reference")]),
    "Encounter": ("Encounter", False, [("patient", "reference")]),
    "Observation": ("Observation", False, [("patient", "reference")]),
    "CarePlan": (None, False, [("patient", "reference")]),
    "RiskAssessment": (None, False, [("patient", "reference")]),
    "Flag": ("Flag", False, [("patient", "reference")]),
}
PAGING = [("_count", "number"), ("_offset", "number")]


def _resource(resource_type: str) -> dict:
    profile, readable, params = SERVED[resource_type]
    interactions = [{"code": "search-type"}] + ([{"code": "read"}] if readable else [])
    if resource_type == "Observation":
        interactions.append({"code": "create"})  # virtual ward devices (decision 0053)
    entry = {
        "type": resource_type,
        "interaction": interactions,
        "searchParam": [{"name": name, "type": kind} for name, kind in params + PAGING],
    }
    if profile:
        entry["supportedProfile"] = [UK_CORE + profile]
    return entry


def capability_statement(request) -> dict:
    statement = {
        "resourceType": "CapabilityStatement",
        "status": "active",
        "date": timezone.now().isoformat(timespec="seconds"),
        "kind": "instance",
        "software": {"name": "Octopus", "version": __version__},
        "implementation": {
            "description": "Octopus FHIR API (reads; virtual ward devices create Observations)",
            "url": request.build_absolute_uri("/api/fhir/"),
        },
        "fhirVersion": "4.0.1",
        "format": ["application/fhir+json", "json"],
        "rest": [
            {
                "mode": "server",
                "documentation": (
                    "Resident data only where the caller has a legitimate relationship; every read is audited."
                ),
                "security": {
                    "service": [
                        {
                            "coding": [
                                {
                                    "system": "http://terminology.hl7.org/CodeSystem/restful-security-service",
                                    "code": "SMART-on-FHIR",
                                }
                            ]
                        }
                    ],
                    ("description"): (
                        "A signed-in session, or a service account's bearer token (Authorization: Bearer …) "
                        "holding SMART scopes such as system/Patient.read; the account reads as its Octopus user."
                    ),
                },
                "resource": [_resource(name) for name in SERVED],
                # Virtual ward devices send vital signs in one Bundle; a batch is taken whole too (decision 0053).
                "interaction": [{"code": "transaction"}, {"code": "batch"}],
            }
        ],
    }
    return CapabilityStatement.model_validate(statement).model_dump(mode="json", exclude_none=True)
