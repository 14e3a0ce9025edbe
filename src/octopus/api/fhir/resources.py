"""Octopus's record of a resident as FHIR R4 resources, built only from what the access scope shows.

Every builder takes a ``ResidentView`` (``octopus.residents.fields.present``), never the bare
resident, so a resource cannot carry a field the scope withholds: a field the view does not show
is left out of the resource, exactly as on the record page. Values are the ones Octopus holds,
as text where Octopus holds text: no code is claimed that the record does not carry (the same rule
as the CarePlan export, ``octopus.care.fhir``).

Profiles: UK Core (https://simplifier.net/hl7fhirukcorer4) where a UK Core profile exists for the
resource — Patient, Condition, Encounter, Observation, Flag. UK Core has none for RiskAssessment,
and the CarePlan is the existing export's. The profile URLs are claimed in ``meta.profile``; the
content follows the profile's must-support elements Octopus holds. Validated against the base
R4 models (fhir.resources) in tests; no UK Core validator runs offline.
"""

from fhir.resources.R4B.condition import Condition
from fhir.resources.R4B.encounter import Encounter
from fhir.resources.R4B.flag import Flag
from fhir.resources.R4B.observation import Observation
from fhir.resources.R4B.patient import Patient
from fhir.resources.R4B.riskassessment import RiskAssessment

from octopus.residents.fields import ResidentView
from octopus.residents.models import ActivityKind

UK_CORE = "https://fhir.hl7.org.uk/StructureDefinition/UKCore-"
NHS_NUMBER = "https://fhir.nhs.uk/Id/nhs-number"
ODS_ORGANISATION = "https://fhir.nhs.uk/Id/ods-organization-code"
ETHNIC_CATEGORY = "https://fhir.hl7.org.uk/StructureDefinition/Extension-UKCore-EthnicCategory"
INTERPRETER_REQUIRED = "http://hl7.org/fhir/StructureDefinition/patient-interpreterRequired"
ACT_CODE = "http://terminology.hl7.org/CodeSystem/v3-ActCode"
CONDITION_CATEGORY = "http://terminology.hl7.org/CodeSystem/condition-category"
CONDITION_CLINICAL = "http://terminology.hl7.org/CodeSystem/condition-clinical"
OBSERVATION_CATEGORY = "http://terminology.hl7.org/CodeSystem/observation-category"
FLAG_CATEGORY = "http://terminology.hl7.org/CodeSystem/flag-category"

# Encounter.class from the v3 ActCode value set (https://hl7.org/fhir/R4/v3/ActEncounterCode/vs.html).
# Only the health-service kinds of the timeline are Encounters; social care packages, VCSE and
# Octopus contacts are not health encounters and are not offered as such.
ENCOUNTER_CLASS = {
    ActivityKind.GP: ("AMB", "ambulatory"),
    ActivityKind.AE: ("EMER", "emergency"),
    ActivityKind.ADMISSION: ("IMP", "inpatient encounter"),
    ActivityKind.OUTPATIENT: ("AMB", "ambulatory"),
    ActivityKind.AMBULANCE: ("FLD", "field"),
    ActivityKind.COMMUNITY: ("HH", "home health"),
    ActivityKind.MENTAL_HEALTH: ("AMB", "ambulatory"),
}
ENCOUNTER_KINDS = tuple(ENCOUNTER_CLASS)
GENDER = {"female": "female", "male": "male", "indeterminate": "other", "unknown": "unknown"}


def _meta(profile: str | None) -> dict:
    return {"profile": [UK_CORE + profile]} if profile else {}


def subject(shown: ResidentView) -> dict:
    return {"reference": f"Patient/{shown.person_id}", "display": shown.name}


def patient(shown: ResidentView) -> dict:
    """Patient from the fields the scope shows (UK Core Patient)."""
    resource = {
        "resourceType": "Patient",
        "id": shown.person_id,
        "meta": _meta("Patient"),
        "name": [{"use": "official", "family": shown.family_name, "given": [shown.given_name]}],
    }
    if shown.shows("nhs_number") and shown.nhs_number:
        resource["identifier"] = [{"system": NHS_NUMBER, "value": shown.nhs_number}]
    if shown.shows("sex"):
        resource["gender"] = GENDER.get(shown.sex, "unknown")
    if shown.shows("date_of_birth") and shown.date_of_birth:
        resource["birthDate"] = shown.date_of_birth.isoformat()
    if shown.shows("date_of_death") and shown.date_of_death:
        resource["deceasedDateTime"] = shown.date_of_death.isoformat()
    if shown.shows("postcode") and (shown.address_line or shown.postcode):
        address = {
            "use": "home",
            "postalCode": shown.postcode or None,
            "line": [shown.address_line] if shown.address_line else None,
        }
        resource["address"] = [{k: v for k, v in address.items() if v}]
    telecom = []
    if shown.shows("phone") and shown.phone:
        telecom.append({"system": "phone", "value": shown.phone})
    if shown.shows("email") and shown.email:
        telecom.append({"system": "email", "value": shown.email})
    if telecom:
        resource["telecom"] = telecom
    if shown.shows("practice_ods_code") and shown.practice_ods_code:
        resource["generalPractitioner"] = [
            {"identifier": {"system": ODS_ORGANISATION, "value": shown.practice_ods_code}}
        ]
    extensions = []
    if shown.shows("ethnicity_group") and shown.ethnicity_group:
        # Octopus holds the Census group as text, not the NHS Data Dictionary code: text only.
        extensions.append({"url": ETHNIC_CATEGORY, "valueCodeableConcept": {"text": shown.ethnicity_group}})
    extensions.append({"url": INTERPRETER_REQUIRED, "valueBoolean": bool(shown.interpreter_needed)})
    resource["extension"] = extensions
    if shown.main_language:
        resource["communication"] = [{"language": {"text": shown.main_language}, "preferred": True}]
    return Patient.model_validate(resource).model_dump(mode="json", exclude_none=True)


def conditions(shown: ResidentView) -> list[dict]:
    """The long-term conditions the pipeline found (UK Core Condition); clinical, so FULL only."""
    if not shown.shows("long_term_conditions"):
        return []
    return [
        Condition.model_validate(
            {
                "resourceType": "Condition",
                "id": f"{shown.person_id}-ltc-{n}",
                "meta": _meta("Condition"),
                "clinicalStatus": {"coding": [{"system": CONDITION_CLINICAL, "code": "active"}]},
                "category": [{"coding": [{"system": CONDITION_CATEGORY, "code": "problem-list-item"}]}],
                "code": {"text": label},
                "subject": subject(shown),
                **({"recordedDate": shown.snapshot_as_of.isoformat()} if shown.snapshot_as_of else {}),
            }
        ).model_dump(mode="json", exclude_none=True)
        for n, label in enumerate(shown.long_term_conditions, start=1)
    ]


def encounter(shown: ResidentView, event) -> dict:
    """One health-service event of the timeline (UK Core Encounter). Without clinical detail the
    reader sees that it happened, where and when, not what it was about (as on the timeline)."""
    code, display = ENCOUNTER_CLASS[event.kind]
    start = event.occurred_at.isoformat() if event.occurred_at else event.occurred_on.isoformat()
    resource = {
        "resourceType": "Encounter",
        "id": f"ev-{event.pk}",
        "meta": _meta("Encounter"),
        "status": "finished",
        "class": {"system": ACT_CODE, "code": code, "display": display},
        "type": [{"text": event.get_kind_display()}],
        "subject": subject(shown),
        "period": {"start": start},
        "serviceProvider": {"display": event.source_organisation},
    }
    if shown.clinical:
        resource["reasonCode"] = [{"text": event.summary}]
    return Encounter.model_validate(resource).model_dump(mode="json", exclude_none=True)


def observations(shown: ResidentView) -> list[dict]:
    """The frailty category (electronic frailty index, Clegg et al. 2016, Age Ageing 45:353) the
    pipeline computed (UK Core Observation), then any virtual ward vital signs (octopus.virtualward.fhir);
    clinical, so FULL only."""
    if not shown.clinical:
        return []
    from octopus.virtualward import fhir as ward_fhir
    from octopus.virtualward.queries import observations_of

    ward = [
        resource
        for observation in observations_of(shown.person_id)
        for resource in ward_fhir.vital_signs(observation, subject(shown))
    ]
    if not shown.shows("frailty_category") or not shown.frailty_category:
        return ward
    resource = {
        "resourceType": "Observation",
        "id": f"{shown.person_id}-efi",
        "meta": _meta("Observation"),
        "status": "final",
        "category": [{"coding": [{"system": OBSERVATION_CATEGORY, "code": "survey"}]}],
        "code": {"text": "Electronic frailty index category"},
        "subject": subject(shown),
        "valueString": shown.frailty_category,
        "method": {"text": "eFI deficits counted by the Octopus population pipeline (Clegg et al. 2016)"},
    }
    if shown.snapshot_as_of:
        resource["effectiveDateTime"] = shown.snapshot_as_of.isoformat()
    return [Observation.model_validate(resource).model_dump(mode="json", exclude_none=True), *ward]


def _has_risk(shown: ResidentView) -> bool:
    return shown.shows("risk_band") and bool(shown.risk_band)


def risk_assessments(shown: ResidentView) -> list[dict]:
    """The 12-month risk of emergency admission from the latest snapshot; FULL only."""
    if not _has_risk(shown):
        return []
    prediction = {
        "outcome": {"text": "Emergency hospital admission within 12 months"},
        "qualitativeRisk": {"text": shown.risk_band.replace("_", " ")},
        "whenPeriod": {"start": shown.snapshot_as_of.isoformat()} if shown.snapshot_as_of else None,
    }
    if shown.risk_probability is not None:
        prediction["probabilityDecimal"] = round(float(shown.risk_probability), 4)
    resource = {
        "resourceType": "RiskAssessment",
        "id": f"{shown.person_id}-risk",
        "status": "final",
        "subject": subject(shown),
        "method": {"text": "Octopus population risk model (see the model card)"},
        "prediction": [{k: v for k, v in prediction.items() if v is not None}],
        "basis": None,
        "note": [{"text": factor} for factor in shown.risk_factors] or None,
    }
    if shown.snapshot_as_of:
        resource["occurrenceDateTime"] = shown.snapshot_as_of.isoformat()
    return [
        RiskAssessment.model_validate({k: v for k, v in resource.items() if v is not None}).model_dump(
            mode="json", exclude_none=True
        )
    ]


def flags(shown: ResidentView) -> list[dict]:
    """The risk band as a clinical Flag (UK Core Flag) for systems that show flags, not scores."""
    if not _has_risk(shown):
        return []
    resource = {
        "resourceType": "Flag",
        "id": f"{shown.person_id}-risk-band",
        "meta": _meta("Flag"),
        "status": "active",
        "category": [{"coding": [{"system": FLAG_CATEGORY, "code": "clinical"}]}],
        "code": {"text": f"Risk of emergency admission: {shown.risk_band.replace('_', ' ')}"},
        "subject": subject(shown),
    }
    if shown.snapshot_as_of:
        resource["period"] = {"start": shown.snapshot_as_of.isoformat()}
    return [Flag.model_validate(resource).model_dump(mode="json", exclude_none=True)]
