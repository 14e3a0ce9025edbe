"""Virtual ward observations as FHIR R4 vital-signs Observations (export through the FHIR API).

Each stored set becomes one Observation per measurement, on the FHIR R4 vital signs profile
(http://hl7.org/fhir/R4/observation-vitalsigns.html), coded with the LOINC codes that profile
requires: respiratory rate 9279-1, heart rate 8867-4, oxygen saturation 2708-6 (with 59408-5,
SpO2 by pulse oximetry), body temperature 8310-5, and blood pressure as the panel 85354-9 with
systolic 8480-6 (diastolic 8462-4 is not taken on the ward, so it carries a dataAbsentReason).
Units are UCUM, as the profile binds. ACVPU, air or oxygen and the NEWS2 total have no vital-signs
profile: they go as text-coded survey Observations, claiming no code the record does not hold.
"""

from fhir.resources.R4B.observation import Observation as FhirObservation

LOINC = "http://loinc.org"
UCUM = "http://unitsofmeasure.org"
CATEGORY = "http://terminology.hl7.org/CodeSystem/observation-category"
VITAL_SIGNS_PROFILE = "http://hl7.org/fhir/StructureDefinition/vitalsigns"
DATA_ABSENT = "http://terminology.hl7.org/CodeSystem/data-absent-reason"

# The text codes of the survey Observations below; the FHIR import reads them back (``fhir_import``).
ACVPU_TEXT = "Level of consciousness (ACVPU)"
OXYGEN_TEXT = "Air or supplemental oxygen"
NEWS2_TEXT = "NEWS2 total score (Royal College of Physicians, 2017)"
OXYGEN_VALUES = {False: "Air", True: "Supplemental oxygen"}

# field: (profile, LOINC codings, text, UCUM unit, unit shown)
MEASURES = {
    "respiration_rate": ("resprate", [("9279-1", "Respiratory rate")], "Respiratory rate", "/min", "breaths/minute"),
    "pulse": ("heartrate", [("8867-4", "Heart rate")], "Heart rate", "/min", "beats/minute"),
    "spo2": (
        "oxygensat",
        [
            ("2708-6", "Oxygen saturation in Arterial blood"),
            ("59408-5", "Oxygen saturation in Arterial blood by Pulse oximetry"),
        ],
        "Oxygen saturation (SpO2)",
        "%",
        "%",
    ),
    "temperature": ("bodytemp", [("8310-5", "Body temperature")], "Body temperature", "Cel", "°C"),
}


def _category(code: str) -> list[dict]:
    return [{"coding": [{"system": CATEGORY, "code": code}]}]


def _quantity(value, unit: str, shown_unit: str) -> dict:
    return {"value": float(value), "unit": shown_unit, "system": UCUM, "code": unit}


def vital_signs(observation, subject: dict) -> list[dict]:
    """The FHIR Observations for one stored set (validated against the R4 model)."""
    when = observation.taken_at.isoformat()
    base = {
        "resourceType": "Observation",
        "status": "final",
        "subject": subject,
        "effectiveDateTime": when,
        "performer": [{"display": observation.recorded_by}],
    }
    resources = []
    for field, (profile, codings, text, unit, shown_unit) in MEASURES.items():
        resources.append(
            {
                **base,
                "id": f"vw-{observation.pk}-{profile}",
                "meta": {"profile": [f"http://hl7.org/fhir/StructureDefinition/{profile}"]},
                "category": _category("vital-signs"),
                "code": {"coding": [{"system": LOINC, "code": c, "display": d} for c, d in codings], "text": text},
                "valueQuantity": _quantity(getattr(observation, field), unit, shown_unit),
            }
        )
    resources.append(
        {
            **base,
            "id": f"vw-{observation.pk}-bp",
            "meta": {"profile": ["http://hl7.org/fhir/StructureDefinition/bp"]},
            "category": _category("vital-signs"),
            "code": {
                "coding": [{"system": LOINC, "code": "85354-9", "display": "Blood pressure panel"}],
                "text": "Blood pressure",
            },
            "component": [
                {
                    "code": {"coding": [{"system": LOINC, "code": "8480-6", "display": "Systolic blood pressure"}]},
                    "valueQuantity": _quantity(observation.systolic_bp, "mm[Hg]", "mmHg"),
                },
                {
                    "code": {"coding": [{"system": LOINC, "code": "8462-4", "display": "Diastolic blood pressure"}]},
                    "dataAbsentReason": {"coding": [{"system": DATA_ABSENT, "code": "not-performed"}]},
                },
            ],
        }
    )
    for suffix, text, value in (
        ("acvpu", ACVPU_TEXT, observation.get_consciousness_display()),
        ("oxygen", OXYGEN_TEXT, OXYGEN_VALUES[observation.on_oxygen]),
        ("news2", NEWS2_TEXT, f"{observation.total} ({observation.risk} risk; SpO2 scale {observation.spo2_scale})"),
    ):
        resources.append(
            {
                **base,
                "id": f"vw-{observation.pk}-{suffix}",
                "category": _category("survey"),
                "code": {"text": text},
                "valueString": value,
            }
        )
    return [FhirObservation.model_validate(r).model_dump(mode="json", exclude_none=True) for r in resources]
