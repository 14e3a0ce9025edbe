"""GP feeds as FHIR R4 bundles (`octopus generate --gp-format fhir`).

The same rows the GP feeds would hold, after the same imperfections, written as FHIR R4
`collection` bundles that `octopus feeds load-fhir` imports: per delivery and sending PCN a
folder `fhir/<YYYYMMDD>/<sender>/`, holding bundles of at most `PATIENTS_PER_BUNDLE` patients
each, one file per chunk and part. A resource travels with its Patient: every bundle holds the
Patient of each resource in it (the importer resolves subjects within a bundle), so a patient
with late or resent resources appears again in the as-of delivery.

- gp_registrations -> Patient: NHS number identifier, name, gender, birthDate, deceasedDateTime
  (registrations end only at death here), home address and postcode, telecom, main language
  (`communication`), interpreter needed (core extension), and the practice as
  `generalPractitioner` (ODS code).
- gp_appointments -> Encounter: class AMB (face to face, home visit) or VR (telephone, video:
  "virtual" in v3 ActCode); the appointment mode and staff role as text. Status finished,
  cancelled, planned (booked); a did-not-attend has no R4 Encounter status and is `unknown`.
- gp_events -> Condition (diagnoses, eFI deficits, frailty, declined screening or vaccination),
  Observation (smoking status as a coded value of LOINC 72166-2; BMI and blood pressure with
  SNOMED CT and LOINC codes and a UCUM quantity, systolic and diastolic as separate Observations
  so each keeps its own record id; HbA1c, cholesterol, creatinine and urine ACR as laboratory
  Observations with a quantity), Procedure (screening, NHS Health Check, foot examination) and
  Immunization (flu, pneumococcal, MMR: the vaccination code, in vaccineCode and in UK Core's
  VaccinationProcedure extension).

Record ids become resource ids, so the importer's rows keep the CSV route's keys (with its
prefixes: `con-`, `obs-`, `enc-` ...) and `source_person_id` is the Patient id. The JSON is
assembled column-wise with Arrow string functions, like every other feed here: no per-resource
Python objects, so bundles cost little more than CSV. Tests validate them with `fhir.resources`.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from octopus.population.feeds.contract import Feed
from octopus.population.feeds.fhir import LOINC, NHS_NUMBER_SYSTEM, ODS_SYSTEM, SNOMED
from octopus.synthetic import gp_record
from octopus.synthetic.imperfections import Degraded
from octopus.synthetic.output import to_array
from octopus.synthetic.rows import Coded, FeedRows, join

GP_FEEDS = ("gp_registrations", "gp_appointments", "gp_events")
# Bounds a bundle's size (about 3.5 MB of JSON) so a reader parses it comfortably in memory.
PATIENTS_PER_BUNDLE = 1000
# Every entry's text ends with the separator, so a bundle's entries are one contiguous Arrow
# buffer written as it is (less its last separator): no Python string per resource.
SEPARATOR = ",\n"
UCUM = "http://unitsofmeasure.org"
V3_ACT_CODE = "http://terminology.hl7.org/CodeSystem/v3-ActCode"
INTERPRETER_REQUIRED = "http://hl7.org/fhir/StructureDefinition/patient-interpreterRequired"
# UK Core puts the vaccination procedure here and a dm+d vaccine product in vaccineCode. The GP
# record here holds procedure codes only, which is also what the importer reads from vaccineCode,
# so both carry the procedure (decision 0012).
VACCINATION_PROCEDURE = "https://fhir.hl7.org.uk/StructureDefinition/Extension-UKCore-VaccinationProcedure"
BASE = "https://{sender}.gp.synthetic-london.invalid/fhir/"  # .invalid: never a real host (RFC 2606)

GENDER = {"male": "male", "female": "female", "indeterminate": "other", "unknown": "unknown"}
ENCOUNTER_STATUS = {"attended": "finished", "cancelled": "cancelled", "booked": "planned", "did_not_attend": "unknown"}
ENCOUNTER_CLASS = {"face_to_face": "AMB", "home_visit": "AMB", "telephone": "VR", "video": "VR"}
MODE_TEXT = {"face_to_face": "Face to face", "home_visit": "Home visit", "telephone": "Telephone", "video": "Video"}

# Resource kinds of the coded GP record, by the code list an event's code came from.
CONDITION, SMOKING, MEASUREMENT, PROCEDURE, IMMUNIZATION, LABORATORY = range(6)
RESOURCE_TYPES = ("Condition", "Observation", "Observation", "Procedure", "Immunization", "Observation")
KIND_OF_LIST = {
    "smoker": SMOKING,
    "ex_smoker": SMOKING,
    "never_smoked": SMOKING,
    "bmi": MEASUREMENT,
    "systolic": MEASUREMENT,
    "diastolic": MEASUREMENT,
    "breast_screening": PROCEDURE,
    "cervical_screening": PROCEDURE,
    "bowel_screening": PROCEDURE,
    "nhs_health_check": PROCEDURE,
    "foot_examination": PROCEDURE,
    "flu_vaccination": IMMUNIZATION,
    "mmr_vaccination": IMMUNIZATION,
    "pneumococcal_vaccination": IMMUNIZATION,
    "hba1c": LABORATORY,
    "cholesterol": LABORATORY,
    "creatinine": LABORATORY,
    "urine_acr": LABORATORY,
}  # every other list (diagnoses, eFI deficits, frailty, declined situations) is a Condition
LOINC_OF_LIST = {
    "bmi": ("39156-5", "Body mass index (BMI) [Ratio]"),
    "systolic": ("8480-6", "Systolic blood pressure"),
    "diastolic": ("8462-4", "Diastolic blood pressure"),
}
SMOKING_CODE = f'{{"system":"{LOINC}","code":"72166-2","display":"Tobacco smoking status"}}'


def _category(system: str, code: str) -> str:
    return f'[{{"coding":[{{"system":"{system}","code":"{code}"}}]}}]'


_OBSERVATION_CATEGORY = "http://terminology.hl7.org/CodeSystem/observation-category"
# Per kind: what follows the id (status, category) and the names of the code, subject and date.
HEAD = (
    ',"clinicalStatus":{"coding":[{"system":"http://terminology.hl7.org/CodeSystem/condition-clinical","code":"active"}]}'
    ',"verificationStatus":{"coding":[{"system":"http://terminology.hl7.org/CodeSystem/condition-ver-status","code":"confirmed"}]}'
    ',"category":' + _category("http://terminology.hl7.org/CodeSystem/condition-category", "problem-list-item"),
    ',"status":"final","category":' + _category(_OBSERVATION_CATEGORY, "social-history"),
    ',"status":"final","category":' + _category(_OBSERVATION_CATEGORY, "vital-signs"),
    ',"status":"completed"',
    ',"status":"completed","primarySource":true',
    ',"status":"final","category":' + _category(_OBSERVATION_CATEGORY, "laboratory"),
)
CODE_KEY = ("code", "code", "code", "code", "vaccineCode", "code")
SUBJECT_KEY = ("subject", "subject", "subject", "subject", "patient", "subject")
DATE_KEY = (
    "onsetDateTime",
    "effectiveDateTime",
    "effectiveDateTime",
    "performedDateTime",
    "occurrenceDateTime",
    "effectiveDateTime",
)
# Immunization.occurrence[x] is required: an undated one says so in text (and is not imported).
NO_DATE = ("", "", "", "", ',"occurrenceString":"unknown"', "")


def literal(values: pa.Array) -> pa.Array:
    """JSON string literals: quoted, with backslashes and quotes escaped (null stays null)."""
    escaped = pc.replace_substring(pc.replace_substring(values, "\\", "\\\\"), '"', '\\"')
    return join('"', escaped, '"')


def optional(*parts) -> pa.Array:
    """The parts joined, or "" where any is null (an element left out)."""
    return pc.fill_null(join(*parts), "")


def pick(values: tuple[str, ...], index: np.ndarray) -> pa.Array:
    return pa.array(values, pa.string()).take(pa.array(index))


def remap(values: Coded, mapping: dict[str, str]) -> pa.Array:
    """A coded column with its vocabulary translated (values not in `mapping` kept as sent)."""
    vocabulary = [mapping.get(value, value) if value is not None else None for value in values.vocabulary.to_pylist()]
    return Coded(pa.array(vocabulary, pa.string()), values.codes).to_arrow()


class GpBundles:
    """The written rows of one chunk's GP feeds as bundle entries, one JSON text per resource."""

    def __init__(self, contracts: dict[str, Feed], built: dict[str, FeedRows], degraded: dict[str, Degraded]):
        self.contracts = contracts
        self.senders = built["gp_registrations"].senders
        self.bases = pa.array([BASE.format(sender=sender.lower()) for sender in self.senders], pa.string())
        self.built = built
        self.degraded = degraded

    def column(self, feed: str, name: str) -> pa.Array:
        rows = self.degraded[feed].rows
        array = to_array(self.contracts[feed].column(name), rows.columns.get(name), len(rows))
        return array.combine_chunks() if isinstance(array, pa.ChunkedArray) else array

    def text(self, feed: str, name: str) -> pa.Array:
        return pc.cast(self.column(feed, name), pa.string())

    def head(self, feed: str, resource_type, record_id: pa.Array) -> pa.Array:
        base = Coded(self.bases, self.degraded[feed].rows.sender).to_arrow()
        return join(
            '{"fullUrl":"',
            base,
            resource_type,
            "/",
            record_id,
            '","resource":{"resourceType":"',
            resource_type,
            '","id":"',
            record_id,
            '"',
        )

    def patients(self) -> pa.Array:
        feed = "gp_registrations"
        rows = self.degraded[feed].rows
        person_id = self.text(feed, "source_person_id")
        phone = optional('{"system":"phone","value":', literal(self.text(feed, "phone")), ',"use":"mobile"}')
        email = optional('{"system":"email","value":', literal(self.text(feed, "email")), "}")
        both = pc.and_(pc.not_equal(phone, ""), pc.not_equal(email, ""))
        telecom = pc.if_else(both, join(phone, ",", email), join(phone, email))
        line = optional(',"line":[', literal(self.text(feed, "address_line")), "]")
        postcode = optional(',"postalCode":', literal(self.text(feed, "postcode")))
        interpreter = pc.if_else(self.column(feed, "interpreter_needed"), "true", "false")
        return join(
            self.head(feed, "Patient", person_id),
            optional(',"extension":[{"url":"', INTERPRETER_REQUIRED, '","valueBoolean":', interpreter, "}]"),
            optional(
                f',"identifier":[{{"system":"{NHS_NUMBER_SYSTEM}","value":',
                literal(self.text(feed, "nhs_number")),
                "}]",
            ),
            ',"name":[{"use":"official","family":',
            literal(self.text(feed, "family_name")),
            ',"given":[',
            literal(self.text(feed, "given_name")),
            "]}]",
            optional(',"telecom":[', pc.if_else(pc.equal(telecom, ""), pa.scalar(None, pa.string()), telecom), "]"),
            ',"gender":"',
            remap(rows.columns["sex"], GENDER),
            '"',
            ',"birthDate":"',
            self.text(feed, "date_of_birth"),
            '"',
            optional(',"deceasedDateTime":"', self.text(feed, "registration_end_date"), '"'),
            ',"address":[{"use":"home"',
            line,
            postcode,
            "}]",
            optional(
                ',"communication":[{"language":{"coding":[{"system":"urn:ietf:bcp:47","code":',
                literal(self.text(feed, "main_language")),
                '}]},"preferred":true}]',
            ),
            f',"generalPractitioner":[{{"type":"Organization","identifier":{{"system":"{ODS_SYSTEM}","value":',
            literal(self.text(feed, "practice_ods_code")),
            "}}]}}",
            SEPARATOR,
        )

    def encounters(self) -> pa.Array:
        feed = "gp_appointments"
        columns = self.degraded[feed].rows.columns
        record_id = self.text(feed, "source_record_id")
        roles = pc.replace_substring(columns["staff_role"].to_arrow(), "_", " ")
        return join(
            self.head(feed, "Encounter", record_id),
            ',"status":"',
            remap(columns["status"], ENCOUNTER_STATUS),
            '"',
            f',"class":{{"system":"{V3_ACT_CODE}","code":',
            literal(remap(columns["mode"], ENCOUNTER_CLASS)),
            "}",
            ',"type":[{"text":',
            literal(remap(columns["mode"], MODE_TEXT)),
            "}]",
            ',"subject":{"reference":"Patient/',
            self.text(feed, "source_person_id"),
            '"}',
            ',"participant":[{"type":[{"text":',
            literal(roles),
            "}]}]",
            optional(',"period":{"start":"', self.text(feed, "appointment_date"), '"}'),
            f',"serviceProvider":{{"identifier":{{"system":"{ODS_SYSTEM}","value":',
            literal(self.text(feed, "practice_ods_code")),
            "}}}}",
            SEPARATOR,
        )

    def clinical(self) -> pa.Array:
        feed = "gp_events"
        degraded = self.degraded[feed]
        columns = degraded.rows.columns
        vocabulary, spans = gp_record.vocabulary()
        kind_of_code = np.full(len(vocabulary), CONDITION, dtype=np.int64)
        loinc_of_code = [""] * len(vocabulary)
        for name, (start, length) in spans.items():
            kind_of_code[start : start + length] = KIND_OF_LIST.get(name, CONDITION)
            if name in LOINC_OF_LIST:
                code, display = LOINC_OF_LIST[name]
                loinc_of_code[start] = f',{{"system":"{LOINC}","code":"{code}","display":"{display}"}}'
        # The kind comes from the code as generated; a malformed code is written alone, with no
        # LOINC coding or coded value the importer could fall back on.
        generated = self.built[feed].columns["snomed_code"].codes[degraded.origin]
        kind = kind_of_code[generated]
        bad = columns["snomed_code"].codes != generated
        record_id = self.text(feed, "source_record_id")
        snomed = join(f'{{"system":"{SNOMED}","code":', literal(columns["snomed_code"].to_arrow()), "}")
        loinc = pc.if_else(pa.array(bad), "", Coded(pa.array(loinc_of_code, pa.string()), generated).to_arrow())
        smoking = pa.array((kind == SMOKING) & ~bad)
        codings = pc.if_else(smoking, SMOKING_CODE, join(snomed, loinc))
        coded_value = pc.if_else(smoking, join(',"valueCodeableConcept":{"coding":[', snomed, "]}"), "")
        value = self.text(feed, "value")
        unit = literal(self.text(feed, "unit"))
        quantity = optional(
            ',"valueQuantity":{"value":', value, ',"unit":', unit, f',"system":"{UCUM}","code":', unit, "}"
        )
        date = self.text(feed, "event_date")
        dated = optional(',"', pick(DATE_KEY, kind), '":"', date, '"')
        procedure = pc.if_else(
            pa.array(kind == IMMUNIZATION),
            join(
                ',"extension":[{"url":"', VACCINATION_PROCEDURE, '","valueCodeableConcept":{"coding":[', snomed, "]}}]"
            ),
            "",
        )
        return join(
            self.head(feed, pick(RESOURCE_TYPES, kind), record_id),
            procedure,
            pick(HEAD, kind),
            ',"',
            pick(CODE_KEY, kind),
            '":{"coding":[',
            codings,
            "]}",
            ',"',
            pick(SUBJECT_KEY, kind),
            '":{"reference":"Patient/',
            self.text(feed, "source_person_id"),
            '"}',
            pc.if_else(pc.equal(dated, ""), pick(NO_DATE, kind), dated),
            coded_value,
            quantity,
            "}}",
            SEPARATOR,
        )


class FhirWriter:
    """Writes each chunk's GP bundles under `<directory>/<delivery>/<sender>/`."""

    def __init__(self, directory: Path, contracts: dict[str, Feed], deliveries: tuple[str, str]):
        self.directory = directory
        self.contracts = contracts
        self.deliveries = deliveries  # (main, as-of)
        self.rows: dict[str, int] = {}
        self.bundles = 0
        self.folders: set[str] = set()

    def write(self, chunk: int, built: dict[str, FeedRows], degraded: dict[str, Degraded]) -> None:
        bundles = GpBundles(self.contracts, built, degraded)
        texts = (bundles.patients(), bundles.encounters(), bundles.clinical())
        for name in GP_FEEDS:
            self.rows[name] = self.rows.get(name, 0) + len(degraded[name].rows)
        registrations = degraded["gp_registrations"].rows
        # One Patient text per person (a resent copy is the same text), for any delivery.
        first = np.unique(registrations.person, return_index=True)[1]
        patient_of = np.full(int(registrations.person.max(initial=-1)) + 1, -1, dtype=np.int64)
        patient_of[registrations.person[first]] = first
        for late, delivery in enumerate(self.deliveries):
            entries = self._entries(degraded, late == 1, patient_of)
            if entries is not None:
                self._write_delivery(chunk, delivery, entries, texts, bundles.senders)

    @staticmethod
    def _entries(degraded: dict[str, Degraded], late: bool, patient_of: np.ndarray) -> np.ndarray | None:
        """Rows (sender, person, feed, row) of a delivery's entries, in bundle order: by sender and
        person, each Patient before its encounters and clinical resources, in generated order."""
        people, events = [], []
        for rank, name in enumerate(GP_FEEDS):
            written = np.flatnonzero(degraded[name].late == late)
            people.append(degraded[name].rows.person[written])
            if rank:
                events.append(np.stack([degraded[name].rows.person[written], np.full(len(written), rank), written]))
        persons = np.unique(np.concatenate(people))
        if not len(persons):
            return None
        patients = np.stack([persons, np.zeros(len(persons), dtype=np.int64), patient_of[persons]])
        person, feed, row = np.concatenate([patients, *events], axis=1)
        sender = degraded["gp_registrations"].rows.sender[patient_of[person]]
        order = np.lexsort((row, feed, person, sender))
        return np.stack([sender, person, feed, row])[:, order]

    def _write_delivery(self, chunk: int, delivery: str, entries: np.ndarray, texts, senders) -> None:
        sender, person = entries[0], entries[1]
        new_patient = np.concatenate([[True], (person[1:] != person[:-1]) | (sender[1:] != sender[:-1])])
        for index in np.unique(sender):
            rows = np.flatnonzero(sender == index)
            part = (np.cumsum(new_patient[rows]) - 1) // PATIENTS_PER_BUNDLE
            folder = self.directory / delivery / senders[index]
            folder.mkdir(parents=True, exist_ok=True)
            self.folders.add(f"{delivery}/{senders[index]}")
            for number in range(int(part[-1]) + 1):
                selected = entries[:, rows[part == number]]
                bundle_id = f"{senders[index]}-{delivery}-{chunk:05d}-{number:03d}"
                self._write_bundle(
                    folder / f"{chunk:05d}-{number:03d}.json",
                    bundle_id,
                    delivery,
                    _gather(texts, selected[2], selected[3]),
                )

    def _write_bundle(self, path: Path, bundle_id: str, delivery: str, entries: pa.StringArray) -> None:
        timestamp = f"{delivery[:4]}-{delivery[4:6]}-{delivery[6:]}T00:00:00Z"
        offsets = np.frombuffer(entries.buffers()[1], dtype=np.int32)[
            entries.offset : entries.offset + len(entries) + 1
        ]
        body = memoryview(entries.buffers()[2])[offsets[0] : offsets[-1] - len(SEPARATOR)]
        with path.open("wb") as handle:
            handle.write(
                f'{{"resourceType":"Bundle","id":"{bundle_id}","type":"collection","timestamp":"{timestamp}","entry":[\n'.encode()
            )
            handle.write(body)
            handle.write(b"\n]}\n")
        self.bundles += 1


def _gather(texts: tuple[pa.Array, ...], feed: np.ndarray, row: np.ndarray) -> pa.StringArray:
    """Entries from the per-feed text arrays, in the given order, as one contiguous array."""
    pieces, position, start = [], np.empty(len(feed), dtype=np.int64), 0
    for rank, text in enumerate(texts):
        mine = np.flatnonzero(feed == rank)
        pieces.append(text.take(pa.array(row[mine])))
        position[mine] = start + np.arange(len(mine))
        start += len(mine)
    return pa.concat_arrays(pieces).take(pa.array(position))
