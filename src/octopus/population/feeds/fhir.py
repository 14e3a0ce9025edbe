"""Importing FHIR R4 bundles (e.g. Synthea output) as feed deliveries.

Bundles (transaction or collection, one per patient or many) are parsed with `fhir.resources`
(its R4B models, which read R4 JSON), turned into rows in the feed contracts' shape, written as
ordinary CSV deliveries and loaded through `load_file` — so they meet exactly the validation,
quarantine, idempotence and provenance rules of any partner file. Sender code:
`FHIR-<FOLDER NAME>` unless given.

Mapping (what a UK neighbourhood team would call each encounter):
- Encounter class EMER -> ae_attendances; IMP/ACUTE/NONAC -> apc_spells, admission method
  emergency when an EMER encounter started in the 24 hours before, else elective;
  AMB/wellness/ambulatory -> gp_appointments (VR: video); outpatient -> op_attendances;
  HH/home health -> community_contacts.
- Condition, Procedure, Immunization, CarePlan and Observation -> gp_events with a SNOMED CT code:
  the resource's own SNOMED coding, a coded SNOMED value (smoking status), or a small mapping
  from LOINC and CVX (below). Others are counted as skipped.
- Patient.deceasedDateTime -> deaths. Patients without a UK NHS number keep their FHIR id as
  `source_person_id`, and their demographics go to `person_demographics` for linkage.
Datetimes keep the source's wall-clock time and drop the offset (contracts use naive London
time). US postcodes are not UK postcodes and are dropped.
"""

from __future__ import annotations

import csv
import hashlib
import re
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal
from pathlib import Path

from octopus.clock import utc_stamp
from octopus.population.feeds.codes import (
    is_valid_postcode,
    is_valid_snomed_code,
    normalise_postcode,
)
from octopus.population.feeds.load import LoadResult, load_file
from octopus.population.feeds.nhs_number import is_valid_nhs_number
from octopus.population.feeds.store import FeedStore
from octopus.population.feeds.validate import FeedRejected

SNOMED = "http://snomed.info/sct"
LOINC = "http://loinc.org"
CVX = "http://hl7.org/fhir/sid/cvx"
NHS_NUMBER_SYSTEM = "https://fhir.nhs.uk/Id/nhs-number"
ODS_SYSTEM = "https://fhir.nhs.uk/Id/ods-organization-code"
# Default ODS code for an organisation that is not known (NHS Data Dictionary default codes).
UNKNOWN_ODS = "X99999"
# Treatment function 300, general internal medicine: FHIR outpatient encounters carry no specialty we can map.
DEFAULT_TREATMENT_FUNCTION = "300"

# LOINC observations Synthea writes most often, mapped to the SNOMED CT concept a GP system
# would record. References: LOINC codes from loinc.org and Synthea's modules
# (synthetichealth/synthea, src/main/resources/modules); SNOMED CT concepts from the NHS
# SNOMED CT browser (termbrowser.nhs.uk), International release. Every code is also checked by
# the Verhoeff check digit (tests/unit/feeds/test_fhir_maps.py). Unmapped codes are skipped and
# counted, never guessed.
LOINC_TO_SNOMED = {
    "8302-2": "50373000",  # body height -> Body height measure
    "29463-7": "27113001",  # body weight -> Body weight
    "39156-5": "60621009",  # body mass index -> Body mass index
    "8480-6": "271649006",  # systolic blood pressure -> Systolic blood pressure
    "8462-4": "271650006",  # diastolic blood pressure -> Diastolic blood pressure
    "4548-4": "43396009",  # haemoglobin A1c/haemoglobin.total in blood -> Haemoglobin A1c measurement
    "8867-4": "364075005",  # heart rate -> Heart rate
    "9279-1": "86290005",  # respiratory rate -> Respiratory rate
    "8310-5": "386725007",  # body temperature -> Body temperature
    "59408-5": "431314004",  # oxygen saturation by pulse oximetry -> Peripheral oxygen saturation
    "72166-2": "229819007",  # tobacco smoking status -> Tobacco use and exposure
    "2093-3": "77068002",  # cholesterol in serum or plasma -> Cholesterol measurement
    "2085-9": "17888004",  # HDL cholesterol -> High density lipoprotein measurement
    "2571-8": "14740000",  # triglyceride -> Triglycerides measurement
    "2339-0": "33747003",  # glucose in blood -> Glucose measurement, blood
    "2160-0": "113075003",  # creatinine in serum or plasma -> Creatinine measurement, serum
    "33914-3": "80274001",  # eGFR (MDRD) -> Glomerular filtration rate
    "72514-3": "225908003",  # pain severity 0-10 -> Pain score
}
# CVX vaccine codes (CDC, www2a.cdc.gov/vaccines/iis/iisstandards/vaccines.asp?rpt=cvx) ->
# SNOMED CT vaccination procedures. Several products share one procedure: the feed records that
# a vaccination was given, not the product.
CVX_TO_SNOMED = {
    "140": "86198006",  # influenza, seasonal, injectable, preservative free -> influenza vaccination
    "141": "86198006",  # influenza, seasonal, injectable
    "150": "86198006",  # influenza, injectable, quadrivalent, preservative free
    "88": "86198006",  # influenza, unspecified formulation
    "133": "12866006",  # pneumococcal conjugate PCV13 -> pneumococcal vaccination
    "33": "12866006",  # pneumococcal polysaccharide PPV23
    "152": "12866006",  # pneumococcal conjugate, unspecified formulation
    "207": "840534001",  # COVID-19 mRNA (Moderna) -> SARS-CoV-2 vaccination
    "208": "840534001",  # COVID-19 mRNA (Pfizer-BioNTech)
    "212": "840534001",  # COVID-19 vector (Janssen)
    "213": "840534001",  # COVID-19, unspecified
    "113": "73152006",  # Td (adult), preservative free -> diphtheria and tetanus vaccination
    "09": "73152006",  # Td (adult), adsorbed
    "139": "73152006",  # Td (adult), unspecified formulation
}
IMPORTED = ("Patient", "Encounter", "Condition", "Observation", "Procedure", "Immunization",
            "MedicationRequest", "CarePlan")
SEX = {"male": "male", "female": "female", "other": "indeterminate", "unknown": "unknown"}


@dataclass
class FhirImport:
    sender_code: str
    resources: Counter = field(default_factory=Counter)
    skipped: Counter = field(default_factory=Counter)
    rows: dict[str, list[dict]] = field(default_factory=dict)
    patients: list[dict] = field(default_factory=list)
    loads: list[LoadResult] = field(default_factory=list)

    def add(self, feed: str, row: dict) -> None:
        self.rows.setdefault(feed, []).append({"sender_code": self.sender_code, **row})

    def summary_lines(self) -> list[str]:
        lines = [f"FHIR import as sender {self.sender_code}: " + ", ".join(
            f"{count} {kind}" for kind, count in sorted(self.resources.items()))]
        lines += [f"  {feed}: {len(rows)} rows" for feed, rows in sorted(self.rows.items())]
        if self.skipped:
            lines.append("Skipped: " + "; ".join(f"{count} {why}" for why, count in sorted(self.skipped.items())))
        lines += [load.summary() for load in self.loads]
        return lines


def default_sender_code(directory: Path) -> str:
    name = re.sub(r"[^A-Z0-9-]+", "-", directory.resolve().name.upper()).strip("-")
    return f"FHIR-{name}"[:20].rstrip("-")


def import_fhir_directory(store: FeedStore, directory: Path | str, *, sender_code: str | None = None) -> FhirImport:
    """Read every `*.json` bundle in `directory` and load the rows it yields."""
    directory = Path(directory)
    paths = sorted(directory.glob("*.json"))
    if not paths:
        raise FeedRejected(f"{directory}: no FHIR bundle (*.json) files found.")
    result = FhirImport(sender_code or default_sender_code(directory))
    digest = hashlib.sha256()
    for path in paths:
        text = path.read_bytes()
        digest.update(text)
        _read_bundle(path, text, result)
    staging = store.data_dir / "feeds" / "fhir" / result.sender_code
    staging.mkdir(parents=True, exist_ok=True)
    stamp = digest.hexdigest()[:12]
    _store_demographics(store, result)
    for feed_name, rows in sorted(result.rows.items()):
        path = staging / f"{feed_name}__{result.sender_code}__{stamp}.csv"
        _write_rows(path, list(store.feed(feed_name).column_names), rows)
        result.loads.append(load_file(store, path))
    return result


def _read_bundle(path: Path, text: bytes, result: FhirImport) -> None:
    from fhir.resources.R4B.bundle import Bundle
    from pydantic import ValidationError

    try:
        bundle = Bundle.model_validate_json(text)
    except ValidationError as error:
        raise FeedRejected(f"{path.name}: is not a valid FHIR R4 Bundle ({error.error_count()} problems, "
                           f"first: {error.errors()[0]['loc']}: {error.errors()[0]['msg']}).") from None
    resources = [entry.resource for entry in bundle.entry or [] if entry.resource is not None]
    ids = {}
    for entry in bundle.entry or []:
        if entry.resource is not None and entry.resource.get_resource_type() == "Patient":
            ids[entry.fullUrl] = entry.resource.id
            ids[f"Patient/{entry.resource.id}"] = entry.resource.id
    patients = {r.id: r for r in resources if r.get_resource_type() == "Patient"}
    encounters = [r for r in resources if r.get_resource_type() == "Encounter"]
    for resource in resources:
        kind = resource.get_resource_type()
        result.resources[kind] += 1
        if kind not in IMPORTED:
            result.skipped[f"{kind} (not imported)"] += 1
            continue
        if kind == "Patient":
            _patient(resource, result)
            continue
        person = ids.get(_ref(getattr(resource, "subject", None) or getattr(resource, "patient", None)))
        if person is None:
            result.skipped[f"{kind} without a patient in the bundle"] += 1
        elif kind == "Encounter":
            _encounter(resource, person, encounters, patients.get(person), result)
        elif kind == "MedicationRequest":
            result.skipped["MedicationRequest (no prescribing feed yet)"] += 1
        else:
            _clinical_event(resource, kind, person, result)


def _ref(reference) -> str | None:
    return reference.reference if reference is not None else None


def _naive(value) -> datetime | None:
    if value is None:
        return None
    if isinstance(value, datetime):
        return value.replace(tzinfo=None, microsecond=0)
    return datetime(value.year, value.month, value.day)


def _day(value) -> str:
    moment = _naive(value)
    return moment.date().isoformat() if moment else ""


def _patient(patient, result: FhirImport) -> None:
    nhs = next((i.value for i in patient.identifier or [] if i.system == NHS_NUMBER_SYSTEM), None)
    nhs = nhs if nhs and is_valid_nhs_number(nhs) else None
    name = next(iter(patient.name or []), None)
    given = " ".join(name.given or []) if name else None
    postcode = next((a.postalCode for a in patient.address or [] if a.postalCode), None)
    postcode = normalise_postcode(postcode) if postcode and is_valid_postcode(postcode.upper()) else None
    born = patient.birthDate.isoformat() if patient.birthDate else None
    identity = {"nhs_number": nhs, "given_name": given, "family_name": name.family if name else None,
                "date_of_birth": born, "sex": SEX.get(patient.gender or "unknown", "unknown"), "postcode": postcode}
    result.patients.append({"source_person_id": patient.id, **identity})
    died = getattr(patient, "deceasedDateTime", None)
    if died is not None:
        result.add("deaths", {"source_record_id": f"death-{patient.id}", **identity,
                              "date_of_death": _day(died), "place_of_death": ""})


def _class_code(encounter) -> str:
    klass = getattr(encounter, "class_fhir", None)
    return " ".join(filter(None, [getattr(klass, "code", None), getattr(klass, "display", None)])).lower()


def _encounter(encounter, person: str, encounters: list, patient, result: FhirImport) -> None:
    code = _class_code(encounter)
    start = _naive(encounter.period.start if encounter.period else None)
    end = _naive(encounter.period.end if encounter.period else None)
    if start is None:
        result.skipped["Encounter without a start"] += 1
        return
    base = {"source_record_id": f"enc-{encounter.id}", "source_person_id": person, "nhs_number": ""}
    if "emer" in code.split()[0] if code else False:
        admitted = any(_class_code(e).startswith("imp") and e.period and start <= _naive(e.period.start)
                       <= start + timedelta(hours=24) for e in encounters)
        result.add("ae_attendances", {**base, "provider_ods_code": UNKNOWN_ODS, "arrival_datetime": start.isoformat(" "),
                   "departure_datetime": end.isoformat(" ") if end and end >= start else "", "arrival_mode": "other",
                   "department_type": "type_1", "chief_complaint": _snomed(encounter.reasonCode),
                   "disposal": "admitted" if admitted else "discharged"})
    elif code.split()[0] in ("imp", "acute", "nonac") or "inpatient" in code:
        emergency = any(_class_code(e).startswith("emer") and e.period and start - timedelta(hours=24)
                        <= _naive(e.period.start) <= start for e in encounters)
        died = getattr(patient, "deceasedDateTime", None) if patient else None
        died_here = died is not None and start.date() <= _naive(died).date() <= (end or start).date() + timedelta(days=1)
        result.add("apc_spells", {**base, "provider_ods_code": UNKNOWN_ODS, "admission_date": start.date().isoformat(),
                   "discharge_date": end.date().isoformat() if end else "",
                   "admission_method": "emergency" if emergency else "elective",
                   "discharge_destination": "died" if died_here else ("usual_residence" if end else "")})
    elif "outpatient" in code:
        result.add("op_attendances", {**base, "provider_ods_code": UNKNOWN_ODS, "appointment_date": start.date().isoformat(),
                   "treatment_function_code": DEFAULT_TREATMENT_FUNCTION, "attendance": "attended",
                   "first_or_follow_up": "first"})
    elif code.split()[0] == "hh" or "home" in code:
        result.add("community_contacts", {**base, "contact_date": start.date().isoformat(), "service": "other",
                   "mode": "home_visit"})
    elif code.split()[0] in ("amb", "vr") or "ambulatory" in code or "wellness" in code:
        status = {"finished": "attended", "cancelled": "cancelled"}.get(encounter.status, "booked")
        result.add("gp_appointments", {**base, "practice_ods_code": UNKNOWN_ODS, "appointment_date": start.date().isoformat(),
                   "mode": "video" if code.startswith("vr") else "face_to_face", "staff_role": "gp", "status": status})
    else:
        result.skipped[f"Encounter class '{code or 'none'}' (no feed)"] += 1


def _snomed(concepts, mapping: dict[str, str] | None = None, system: str | None = None) -> str:
    for concept in concepts or []:
        for coding in concept.coding or []:
            if coding.system == SNOMED and coding.code and is_valid_snomed_code(coding.code):
                return coding.code
            if mapping and coding.system == system and coding.code in mapping:
                return mapping[coding.code]
    return ""


def _clinical_event(resource, kind: str, person: str, result: FhirImport) -> None:
    base = {"source_person_id": person, "nhs_number": "", "value": "", "unit": ""}
    if kind == "Condition":
        events = [(_snomed([resource.code]), resource.onsetDateTime or resource.recordedDate, None)]
    elif kind == "Procedure":
        when = resource.performedDateTime or (resource.performedPeriod.start if resource.performedPeriod else None)
        events = [(_snomed([resource.code]), when, None)]
    elif kind == "Immunization":
        events = [(_snomed([resource.vaccineCode], CVX_TO_SNOMED, CVX), resource.occurrenceDateTime, None)]
    elif kind == "CarePlan":
        events = [(_snomed(resource.category), resource.period.start if resource.period else None, None)]
    else:
        events = _observation_events(resource)
    for index, (code, when, quantity) in enumerate(events):
        if not code or when is None:
            result.skipped[f"{kind} without a SNOMED CT code or mapping"] += 1
            continue
        row = {**base, "source_record_id": f"{kind[:3].lower()}-{resource.id}" + (f"-{index}" if index else ""),
               "event_date": _day(when), "snomed_code": code}
        if quantity is not None and quantity.value is not None:
            row["value"] = str(round(Decimal(str(quantity.value)), 3))
            row["unit"] = quantity.unit or quantity.code or ""
        result.add("gp_events", row)


def _observation_events(observation) -> list[tuple[str, object, object]]:
    when = observation.effectiveDateTime
    if observation.component:
        return [(_snomed([c.code], LOINC_TO_SNOMED, LOINC), when, c.valueQuantity) for c in observation.component]
    coded_value = _snomed([observation.valueCodeableConcept]) if observation.valueCodeableConcept else ""
    if coded_value:
        return [(coded_value, when, None)]
    return [(_snomed([observation.code], LOINC_TO_SNOMED, LOINC), when, observation.valueQuantity)]


def _write_rows(path: Path, columns: list[str], rows: list[dict]) -> None:
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=columns, extrasaction="ignore", restval="")
        writer.writeheader()
        for row in sorted(rows, key=lambda r: r["source_record_id"]):
            writer.writerow({k: ("" if v is None else v) for k, v in row.items()})


def _store_demographics(store: FeedStore, result: FhirImport) -> None:
    con = store.connection
    now = utc_stamp()
    con.begin()
    try:
        for p in result.patients:
            con.execute(
                "INSERT OR REPLACE INTO person_demographics VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                [result.sender_code, p["source_person_id"], p["nhs_number"], p["given_name"], p["family_name"],
                 date.fromisoformat(p["date_of_birth"]) if p["date_of_birth"] else None, p["sex"], p["postcode"], now],
            )
        con.commit()
    except BaseException:
        con.rollback()
        raise
