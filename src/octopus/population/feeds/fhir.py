"""Importing FHIR R4 as feed deliveries: bundles (e.g. Synthea) or a Bulk Data `$export`.

Resources are read as plain JSON (`fhir_sources`: orjson, bundles or NDJSON, plain or gzip),
turned into rows in the feed contracts' shape, accumulated column by column and written as
Parquet parts, then resolved and loaded through `load_file` — so they meet exactly the
validation, quarantine, idempotence and provenance rules of any partner file. Sender code:
`FHIR-<FOLDER NAME>` unless given. Decision records 0012 and 0032.

Identity: a resource is keyed by its `id`, else by its entry's `fullUrl` (a `POST` in a
transaction bundle often has only `urn:uuid:...`). A reference is resolved either way: to a
`fullUrl` in the delivery, or by `Patient/<id>` (relative or absolute) to a Patient with that id
in the delivery or already in the store for this sender. A resource whose subject is in neither
is reported by name in the summary (file, entry or line, reference) and not loaded.

Mapping (what a UK neighbourhood team would call each encounter):
- Encounter class EMER -> ae_attendances (disposal admitted when an inpatient stay starts within
  24 hours); IMP/ACUTE/NONAC -> apc_spells, admission method from `priority` (v3 ActPriority EM),
  `hospitalization.admitSource` (emergency department) or UK Core's admission method extension,
  else emergency when an A&E attendance started in the 24 hours before, else elective;
  AMB/wellness/ambulatory -> gp_appointments (VR: video); outpatient -> op_attendances;
  HH/home health -> community_contacts. Status `noshow` is a did-not-attend: a GP appointment or
  outpatient DNA, never an attendance, admission or contact; `entered-in-error` is skipped.
- Condition, Procedure, Immunization, CarePlan and Observation -> gp_events with a SNOMED CT code:
  the resource's own SNOMED coding, a coded SNOMED value (smoking status), or a small mapping
  from LOINC and CVX (below). Others are counted as skipped.
- Patient -> person_demographics; with a valid NHS number and a `generalPractitioner` practice
  (ODS code, inline or an Organization in the delivery) also gp_registrations, with ethnicity
  (UK Core ethnic category or a SNOMED CT code), postcode and LSOA; `deceasedDateTime` -> deaths.
  Patients without a UK NHS number keep their FHIR key as `source_person_id`.
Datetimes keep the source's wall-clock time and drop the offset (contracts use naive London
time). US postcodes are not UK postcodes and are dropped.
"""

from __future__ import annotations

import gc
import hashlib
import re
import shutil
from collections import Counter
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from functools import cache
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from octopus.clock import london_today, utc_stamp
from octopus.population.feeds import fhir_uk_core as uk
from octopus.population.feeds.codes import is_valid_snomed_code
from octopus.population.feeds.fhir_sources import Entry, delivery_files, read_bundle, read_ndjson
from octopus.population.feeds.load import LoadResult, load_file, load_files
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
IMPORTED = (
    "Patient",
    "Encounter",
    "Condition",
    "Observation",
    "Procedure",
    "Immunization",
    "MedicationRequest",
    "CarePlan",
)
SEX = {"male": "male", "female": "female", "other": "indeterminate", "unknown": "unknown"}
# Rows of a feed are written to a Parquet part every this many, so a Bulk Data export of any
# size is read in bounded memory (about 100 MB of Python strings per feed at most).
PART_ROWS = 100_000
# Dangling references listed by name in the summary; the rest are counted.
DANGLING_SHOWN = 20
# Columns kept beside a feed's own while resolving: the subject's key, where the row came from,
# the moment it started (the A&E-then-admission rule) and an admission method coded at source.
HIDDEN = ("_person", "_origin", "_start", "_coded")
STAGED_FEEDS = {
    "ae_attendances": (
        "source_record_id",
        "provider_ods_code",
        "arrival_datetime",
        "departure_datetime",
        "arrival_mode",
        "department_type",
        "chief_complaint",
        "disposal",
    ),
    "apc_spells": (
        "source_record_id",
        "provider_ods_code",
        "admission_date",
        "discharge_date",
        "admission_method",
        "discharge_destination",
    ),
    "op_attendances": (
        "source_record_id",
        "provider_ods_code",
        "appointment_date",
        "treatment_function_code",
        "attendance",
        "first_or_follow_up",
    ),
    "community_contacts": ("source_record_id", "contact_date", "service", "mode"),
    "gp_appointments": ("source_record_id", "practice_ods_code", "appointment_date", "mode", "staff_role", "status"),
    "gp_events": ("source_record_id", "event_date", "snomed_code", "value", "unit"),
    "deaths": (
        "source_record_id",
        "nhs_number",
        "given_name",
        "family_name",
        "date_of_birth",
        "sex",
        "postcode",
        "date_of_death",
        "place_of_death",
    ),
    "gp_registrations": (
        "source_record_id",
        "nhs_number",
        "given_name",
        "family_name",
        "date_of_birth",
        "sex",
        "ethnicity_snomed_code",
        "address_line",
        "postcode",
        "lsoa_code",
        "practice_ods_code",
        "registration_start_date",
        "registration_end_date",
    ),
    "_patients": ("nhs_number", "given_name", "family_name", "date_of_birth", "sex", "postcode"),
}


class Staging:
    """One feed's rows, written to Parquet parts (all text, as a CSV would be).

    Rows are kept as the dicts the mapping made and turned into columns by Arrow
    (`Table.from_pylist`, in C++): a Python loop over every cell cost more than the parse.
    """

    def __init__(self, folder: Path, name: str, number: int = 0):
        self.folder, self.name, self.number = folder, name, number
        self.columns = (*STAGED_FEEDS[name], *HIDDEN)
        self.schema = pa.schema([(column, pa.string()) for column in self.columns])
        self.pending: list[dict] = []
        self.parts: list[Path] = []
        self.rows = 0

    def add(self, row: dict) -> None:
        self.pending.append(row)
        self.rows += 1
        if len(self.pending) >= PART_ROWS:
            self.flush()

    def flush(self) -> None:
        if not self.pending:
            return
        path = self.folder / f"{self.name}.{len(self.parts):05d}.parquet"
        try:
            table = pa.Table.from_pylist(self.pending, schema=self.schema)
        except (pa.ArrowTypeError, pa.ArrowInvalid):
            table = pa.table(
                {column: _text_array([row.get(column) for row in self.pending]) for column in self.columns}
            )
        # Transient parts, read back once by DuckDB and deleted: compressing them cost CPU and
        # saved nothing worth having.
        # Which delivery folder the rows came from: folders are resolved together (`_resolve`).
        table = table.append_column("_folder", pa.repeat(pa.scalar(self.number, pa.int32()), table.num_rows))
        pq.write_table(table, path, compression="none")
        self.parts.append(path)
        self.pending = []


def _text_array(values: list) -> pa.Array:
    try:
        return pa.array(values, pa.string())
    except (pa.ArrowTypeError, pa.ArrowInvalid):
        # A sender's odd value (a number where FHIR has a string): kept as its text, for
        # validation to judge like any CSV cell.
        return pa.array([None if v is None else str(v) for v in values], pa.string())


@dataclass
class FhirImport:
    sender_code: str
    resources: Counter = field(default_factory=Counter)
    skipped: Counter = field(default_factory=Counter)
    rows: Counter = field(default_factory=Counter)
    dangling: list[str] = field(default_factory=list)
    dangling_count: int = 0
    loads: list[LoadResult] = field(default_factory=list)

    def summary_lines(self) -> list[str]:
        lines = [
            f"FHIR import as sender {self.sender_code}: "
            + ", ".join(f"{count} {kind}" for kind, count in sorted(self.resources.items()))
        ]
        lines += [f"  {feed}: {count} rows" for feed, count in sorted(self.rows.items())]
        if self.skipped:
            lines.append("Skipped: " + "; ".join(f"{count} {why}" for why, count in sorted(self.skipped.items())))
        if self.dangling_count:
            lines.append(
                f"Not loaded, {self.dangling_count} resource(s) whose patient is neither in this delivery "
                f"nor in the store for {self.sender_code}:"
            )
            lines += [f"  {name}" for name in self.dangling]
            if self.dangling_count > len(self.dangling):
                lines.append(f"  ... and {self.dangling_count - len(self.dangling)} more")
        lines += [load.summary() for load in self.loads]
        return lines


def default_sender_code(directory: Path) -> str:
    name = re.sub(r"[^A-Z0-9-]+", "-", directory.resolve().name.upper()).strip("-")
    return f"FHIR-{name}"[:20].rstrip("-")


@cache
def _ethnicity_codes() -> frozenset[str]:
    from octopus.population.codelists import codes  # pandas: only when a Patient is read

    return codes("ethnicity_snomed_opensafely.csv")


def import_fhir_directory(store: FeedStore, directory: Path | str, *, sender_code: str | None = None) -> FhirImport:
    """Read every bundle (`*.json`) or Bulk Data file (`*.ndjson[.gz]`) in `directory`, then load.

    The whole folder is read before anything is written: a malformed file refuses the import
    with an error naming file, entry or line and field, and leaves the store as it was.
    """
    [(result, files)] = _read_deliveries(store, [(Path(directory), sender_code)])
    for feed_name, path in files:
        result.loads.append(load_file(store, path, feed_name=feed_name))
    return result


def import_fhir_deliveries(store: FeedStore, deliveries: list[tuple[Path | str, str | None]]) -> list[FhirImport]:
    """Several deliveries (folder, sender code) at once, e.g. one partner's daily drop of many senders.

    Every folder is read before anything is written (a malformed file in any of them refuses the
    lot, leaving the store as it was), then resolved as `import_fhir_directory` resolves one, and
    every feed's files from all folders are validated and loaded together: one validation pass and
    one transaction per feed instead of one per folder and feed, which was about 40% of importing
    many small deliveries (docs/benchmarks.md). Each file's outcome is reported against its own
    delivery; a file refused whole raises `FeedRejected` once the other files have been loaded.
    """
    resolved = _read_deliveries(store, [(Path(folder), sender) for folder, sender in deliveries])
    owners = {path: result for result, files in resolved for _, path in files}
    feeds = {path: feed_name for _, files in resolved for feed_name, path in files}
    # Files of one feed next to each other, so the loader takes them as one group.
    ordered = sorted(feeds, key=lambda path: (feeds[path], str(path)))
    refused = None
    for path, outcome in load_files(store, ordered):
        if isinstance(outcome, FeedRejected):
            refused = refused or outcome
        else:
            owners[path].loads.append(outcome)
    if refused is not None:
        raise refused
    return [result for result, _ in resolved]


def _read_deliveries(
    store: FeedStore, deliveries: list[tuple[Path, str | None]]
) -> list[tuple[FhirImport, list[tuple[str, Path]]]]:
    """Read every folder into Parquet parts, then resolve them all together into a file per feed
    and folder, ready to load; returns each folder's (result, [(feed, file)]) in the order given."""
    root = store.data_dir / "feeds" / "fhir"
    # Lower case and an underscore: never a sender code's folder (`default_sender_code`).
    parts_root = root / "_parts"
    shutil.rmtree(parts_root, ignore_errors=True)
    readers, stamps = [], []
    try:
        with _collector_paused():
            for number, (directory, sender_code) in enumerate(deliveries):
                shape, paths = delivery_files(directory)
                parts = parts_root / str(number)
                parts.mkdir(parents=True)
                reader = _Reader(FhirImport(sender_code or default_sender_code(directory)), parts, number)
                digest = hashlib.sha256()
                for path in paths:
                    digest.update(_file_digest(path))
                    if shape == "bundles":
                        reader.read_bundle(list(read_bundle(path)))
                    else:
                        for entry in read_ndjson(path):
                            reader.read(entry)
                for staged in reader.staged.values():
                    staged.flush()
                readers.append(reader)
                stamps.append(digest.hexdigest()[:12])
        files = _resolve(store, readers, root, stamps)
    finally:
        for table in (
            "_fhir_folders",
            "_fhir_patients",
            "_fhir_known",
            "_fhir_ae",
            "_fhir_apc",
            "_fhir_deaths",
            "_fhir_rows",
        ):
            store.connection.execute(f"DROP TABLE IF EXISTS {table}")
        shutil.rmtree(parts_root, ignore_errors=True)
    return [(reader.result, files[number]) for number, reader in enumerate(readers)]


@contextmanager
def _collector_paused():
    """Python's cyclic garbage collector off while a folder is parsed and mapped.

    Parsing allocates millions of dicts and lists, each one counted towards the collector's next
    pass, and every full pass walks all of them again while they are still alive: about a fifth
    of the import's CPU went on passes that found nothing to free (docs/benchmarks.md, FHIR
    import). The parsed resources hold no reference cycles, so nothing is left for the collector
    to do; memory is bounded by the bundle in hand and the staged parts, as before.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def _file_digest(path: Path) -> bytes:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.digest()


class _Reader:
    """Turns resources into staged rows; remembers Patients' and Organizations' keys."""

    def __init__(self, result: FhirImport, parts: Path, folder: int = 0):
        self.result, self.folder = result, folder
        self.staged = {name: Staging(parts, name, folder) for name in STAGED_FEEDS}
        self.aliases: dict[str, str] = {}  # fullUrl or "Patient/<id>" -> patient key
        self.organisations: dict[str, str] = {}  # fullUrl or "Organization/<id>" -> ODS code
        self.today = london_today().isoformat()

    def read_bundle(self, entries: list[Entry]) -> None:
        # A bundle's Organizations and Patients first: its other entries may point at them by
        # fullUrl from anywhere in the bundle.
        for entry in entries:
            if entry.kind in ("Organization", "Patient"):
                self.remember(entry)
        for entry in entries:
            self.read(entry, remembered=True)

    def remember(self, entry: Entry) -> None:
        resource = entry.resource
        rid = resource.get("id")
        if entry.kind == "Organization":
            code = uk.organisation_ods(resource)
            if code:
                for alias in (entry.full_url, f"Organization/{rid}" if rid else None):
                    if alias:
                        self.organisations[alias] = code
            return
        key = key_of(entry)
        for alias in (entry.full_url, f"Patient/{rid}" if rid else None):
            if alias:
                self.aliases[alias] = key

    def read(self, entry: Entry, *, remembered: bool = False) -> None:
        kind = entry.kind
        self.result.resources[kind] += 1
        if kind in ("Organization", "Patient") and not remembered:
            self.remember(entry)
        if kind not in IMPORTED:
            self.result.skipped[f"{kind} (not imported)"] += 1
            return
        if kind == "Patient":
            self.patient(entry)
            return
        resource = entry.resource
        subject = resource.get("subject") or resource.get("patient")
        reference = subject.get("reference") if isinstance(subject, dict) else None
        if not isinstance(reference, str) or not reference:
            self.result.skipped[f"{kind} without a subject reference"] += 1
            return
        if kind == "MedicationRequest":
            self.result.skipped["MedicationRequest (no prescribing feed yet)"] += 1
            return
        if resource.get("status") == "entered-in-error":
            self.result.skipped[f"{kind} entered in error"] += 1
            return
        base = {"_person": self.person_key(reference), "_origin": f"{entry.file_name}, {entry.where}"}
        if kind == "Encounter":
            self.encounter(entry, base)
        else:
            self.clinical_event(entry, base)

    def person_key(self, reference: str) -> str:
        """The patient key a reference points at: by fullUrl, or by the `Patient/<id>` it ends in.
        A key with no Patient behind it is caught when the rows are resolved (`_resolve`)."""
        found = self.aliases.get(reference)
        if found is not None:
            return found
        at = reference.rfind("Patient/")
        if at >= 0:
            tail = reference[at:].split("/_history")[0]
            return self.aliases.get(tail, tail.removeprefix("Patient/"))
        return reference.removeprefix("urn:uuid:")

    def add(self, feed: str, row: dict) -> None:
        self.staged[feed].add(row)
        if not feed.startswith("_"):
            self.result.rows[feed] += 1

    def patient(self, entry: Entry) -> None:
        patient = entry.resource
        key = key_of(entry)
        nhs = next(
            (
                i.get("value")
                for i in patient.get("identifier") or []
                if isinstance(i, dict) and i.get("system") == NHS_NUMBER_SYSTEM
            ),
            None,
        )
        nhs = nhs.replace(" ", "") if isinstance(nhs, str) else None
        nhs = nhs if nhs and is_valid_nhs_number(nhs) else None
        names = [n for n in patient.get("name") or [] if isinstance(n, dict)]
        name = next((n for n in names if n.get("use") == "official"), names[0] if names else {})
        address = uk.home_address(patient)
        born = _date_text(entry, "birthDate", patient.get("birthDate"))
        identity = {
            "nhs_number": nhs,
            "given_name": " ".join(name.get("given") or []) or None,
            "family_name": name.get("family"),
            "date_of_birth": born or None,
            "sex": SEX.get(patient.get("gender") or "unknown", "unknown"),
            "postcode": uk.postcode(address),
        }
        origin = f"{entry.file_name}, {entry.where}"
        self.add("_patients", {"_person": key, "_origin": origin, **identity})
        died = _moment(entry, "deceasedDateTime", patient.get("deceasedDateTime"))
        if died is not None:
            self.add(
                "deaths",
                {
                    "_person": key,
                    "_origin": origin,
                    "source_record_id": f"death-{key}",
                    **identity,
                    "date_of_death": died.date().isoformat(),
                    "place_of_death": "",
                },
            )
        practice = next(
            filter(None, (uk.ods_code(gp, self.organisations) for gp in patient.get("generalPractitioner") or [])), None
        )
        if nhs and practice:
            # FHIR Patient carries no registration period: the registration is known from the
            # extract, so it starts on the day of import, or on the day of death for a patient
            # who died (the last day known registered), and ends at death (decision 0032).
            died_on = died.date().isoformat() if died is not None else None
            self.add(
                "gp_registrations",
                {
                    "_person": key,
                    "_origin": origin,
                    "source_record_id": f"reg-{key}",
                    **identity,
                    "ethnicity_snomed_code": uk.ethnicity_snomed(patient, _ethnicity_codes()),
                    "address_line": " ".join((address or {}).get("line") or []) or None,
                    "lsoa_code": uk.lsoa(patient, address),
                    "practice_ods_code": practice,
                    "registration_start_date": min(self.today, died_on or self.today),
                    "registration_end_date": died_on,
                },
            )

    def encounter(self, entry: Entry, base: dict) -> None:
        encounter = entry.resource
        code = _class_code(encounter)
        first = code.split()[0] if code else ""
        period = encounter.get("period") or {}
        start = _moment(entry, "period.start", period.get("start"))
        end = _moment(entry, "period.end", period.get("end"))
        if start is None:
            self.result.skipped["Encounter without a start"] += 1
            return
        no_show = encounter.get("status") == "noshow"
        base = {**base, "source_record_id": f"enc-{key_of(entry)}", "_start": start.isoformat(" ")}
        if first.startswith("emer"):
            if no_show:
                self.result.skipped["A&E encounter not attended (noshow)"] += 1
                return
            self.add(
                "ae_attendances",
                {
                    **base,
                    "provider_ods_code": UNKNOWN_ODS,
                    "arrival_datetime": start.isoformat(" "),
                    "departure_datetime": end.isoformat(" ") if end and end >= start else "",
                    "arrival_mode": "other",
                    "department_type": "type_1",
                    "chief_complaint": _snomed(encounter.get("reasonCode")),
                },
            )
        elif first in ("imp", "acute", "nonac") or "inpatient" in code:
            if no_show:
                self.result.skipped["inpatient encounter not attended (noshow)"] += 1
                return
            hospitalisation = encounter.get("hospitalization") or encounter.get("admission") or {}
            destination = "".join(
                str(c.get("code") or "") for c in uk.codings(hospitalisation.get("dischargeDisposition"))
            )
            self.add(
                "apc_spells",
                {
                    **base,
                    "provider_ods_code": UNKNOWN_ODS,
                    "admission_date": start.date().isoformat(),
                    "discharge_date": end.date().isoformat() if end else "",
                    "_coded": uk.admission_method(encounter),
                    "discharge_destination": "died" if destination == "exp" else ("usual_residence" if end else ""),
                },
            )
        elif "outpatient" in code:
            self.add(
                "op_attendances",
                {
                    **base,
                    "provider_ods_code": UNKNOWN_ODS,
                    "appointment_date": start.date().isoformat(),
                    "treatment_function_code": DEFAULT_TREATMENT_FUNCTION,
                    "attendance": "did_not_attend" if no_show else "attended",
                    "first_or_follow_up": "first",
                },
            )
        elif first == "hh" or "home" in code:
            if no_show:
                self.result.skipped["community contact not attended (noshow)"] += 1
                return
            self.add(
                "community_contacts",
                {**base, "contact_date": start.date().isoformat(), "service": "other", "mode": "home_visit"},
            )
        elif first in ("amb", "vr") or "ambulatory" in code or "wellness" in code:
            status = {"finished": "attended", "cancelled": "cancelled", "noshow": "did_not_attend"}.get(
                encounter.get("status"), "booked"
            )
            self.add(
                "gp_appointments",
                {
                    **base,
                    "practice_ods_code": UNKNOWN_ODS,
                    "appointment_date": start.date().isoformat(),
                    "mode": "video" if first == "vr" else "face_to_face",
                    "staff_role": "gp",
                    "status": status,
                },
            )
        else:
            self.result.skipped[f"Encounter class '{code or 'none'}' (no feed)"] += 1

    def clinical_event(self, entry: Entry, base: dict) -> None:
        resource, kind = entry.resource, entry.kind
        if kind == "Condition":
            events = [
                (
                    _snomed([resource.get("code")]),
                    "onsetDateTime",
                    resource.get("onsetDateTime") or resource.get("recordedDate"),
                    None,
                )
            ]
        elif kind == "Procedure":
            when = resource.get("performedDateTime") or (resource.get("performedPeriod") or {}).get("start")
            events = [(_snomed([resource.get("code")]), "performedDateTime", when, None)]
        elif kind == "Immunization":
            events = [
                (
                    _snomed([resource.get("vaccineCode")], CVX_TO_SNOMED, CVX),
                    "occurrenceDateTime",
                    resource.get("occurrenceDateTime"),
                    None,
                )
            ]
        elif kind == "CarePlan":
            events = [
                (_snomed(resource.get("category")), "period.start", (resource.get("period") or {}).get("start"), None)
            ]
        else:
            events = _observation_events(resource)
        key = key_of(entry)
        for index, (code, field_name, when_text, quantity) in enumerate(events):
            when = _moment(entry, field_name, when_text)
            if not code or when is None:
                self.result.skipped[f"{kind} without a SNOMED CT code or mapping"] += 1
                continue
            row = {
                **base,
                "source_record_id": f"{kind[:3].lower()}-{key}" + (f"-{index}" if index else ""),
                "event_date": when.date().isoformat(),
                "snomed_code": code,
                "value": "",
                "unit": "",
            }
            if isinstance(quantity, dict) and isinstance(quantity.get("value"), int | float):
                row["value"] = str(round(Decimal(str(quantity["value"])), 3))
                row["unit"] = quantity.get("unit") or quantity.get("code") or ""
            self.add("gp_events", row)


def key_of(entry: Entry) -> str:
    """A resource's key: its id, else its fullUrl (less `urn:uuid:`, which says nothing)."""
    rid = entry.resource.get("id")
    if isinstance(rid, str) and rid:
        return rid
    if entry.full_url:
        return entry.full_url.removeprefix("urn:uuid:")
    raise entry.fault("id", "the resource has no id and its entry no fullUrl, so nothing can refer to it")


def _moment(entry: Entry, field_name: str, value) -> datetime | None:
    """A FHIR date or dateTime as naive wall-clock time; partial dates ("2019-05") give None."""
    if value is None or value == "":
        return None
    if isinstance(value, str):
        try:
            if len(value) >= 19:  # the common case first: a dateTime with a time
                return datetime.fromisoformat(value[:19])
            if len(value) == 10:
                return datetime.combine(date.fromisoformat(value), datetime.min.time())
            if re.fullmatch(r"[0-9]{4}(-[0-9]{2})?", value):
                return None
        except ValueError:
            pass
    raise entry.fault(field_name, f"{value!r} is not a FHIR date or dateTime")


def _date_text(entry: Entry, field_name: str, value) -> str:
    moment = _moment(entry, field_name, value)
    return moment.date().isoformat() if moment else ""


def _class_code(encounter: dict) -> str:
    klass = encounter.get("class")
    # R4: one Coding; R5: a list of CodeableConcepts.
    codings = (
        [klass]
        if isinstance(klass, dict) and "coding" not in klass
        else [c for concept in (klass if isinstance(klass, list) else [klass]) for c in uk.codings(concept)]
    )
    words = [str(part) for c in codings if isinstance(c, dict) for part in (c.get("code"), c.get("display")) if part]
    return " ".join(words).lower()


def _snomed(concepts, mapping: dict[str, str] | None = None, system: str | None = None) -> str:
    for concept in concepts or []:
        for coding in uk.codings(concept):
            code = coding.get("code")
            if coding.get("system") == SNOMED and isinstance(code, str) and is_valid_snomed_code(code):
                return code
            if mapping and coding.get("system") == system and code in mapping:
                return mapping[code]
    return ""


def _observation_events(observation: dict) -> list[tuple]:
    when = observation.get("effectiveDateTime")
    components = observation.get("component")
    if components:
        return [
            (_snomed([c.get("code")], LOINC_TO_SNOMED, LOINC), "effectiveDateTime", when, c.get("valueQuantity"))
            for c in components
            if isinstance(c, dict)
        ]
    coded_value = _snomed([observation.get("valueCodeableConcept")]) if observation.get("valueCodeableConcept") else ""
    if coded_value:
        return [(coded_value, "effectiveDateTime", when, None)]
    return [
        (
            _snomed([observation.get("code")], LOINC_TO_SNOMED, LOINC),
            "effectiveDateTime",
            when,
            observation.get("valueQuantity"),
        )
    ]


# Where a staged feed's columns come from when written for loading: the rule, in SQL over the
# staged text, for the columns settled only once every resource is read.
# Where a staged feed's columns come from when written for loading: the rule, in SQL over the
# staged text, for the columns settled only once every resource is read. Each looks within the
# row's own folder (`_folder`), as when folders were imported one at a time.
_SETTLED = {
    # The A&E-then-admission rule (Synthea and older senders code nothing else): an inpatient
    # stay starting within 24 hours after an A&E arrival was an emergency admission.
    "admission_method": """coalesce(r._coded, CASE WHEN EXISTS (
        SELECT 1 FROM _fhir_ae a WHERE a._folder = r._folder AND a._person = r._person
        AND CAST(a._start AS TIMESTAMP)
        BETWEEN CAST(r._start AS TIMESTAMP) - INTERVAL 24 HOUR AND CAST(r._start AS TIMESTAMP))
        THEN 'emergency' ELSE 'elective' END)""",
    "disposal": """CASE WHEN EXISTS (
        SELECT 1 FROM _fhir_apc s WHERE s._folder = r._folder AND s._person = r._person
        AND CAST(s._start AS TIMESTAMP)
        BETWEEN CAST(r._start AS TIMESTAMP) AND CAST(r._start AS TIMESTAMP) + INTERVAL 24 HOUR)
        THEN 'admitted' ELSE 'discharged' END""",
    # Died in hospital: the Patient's death falls within the stay (or the day after discharge).
    "discharge_destination": """CASE WHEN r.discharge_destination = 'died' OR EXISTS (
        SELECT 1 FROM _fhir_deaths d WHERE d._folder = r._folder AND d._person = r._person
        AND CAST(d.date_of_death AS DATE) BETWEEN CAST(r.admission_date AS DATE)
        AND CAST(coalesce(nullif(r.discharge_date, ''), r.admission_date) AS DATE) + 1)
        THEN 'died' ELSE r.discharge_destination END""",
}


def _parts_sql(staged: list[Staging]) -> str:
    """Every folder's parts of one feed, as one relation (with `_folder`)."""
    parts = [part for one in staged for part in one.parts]
    if not parts:
        columns = ", ".join(f"NULL::VARCHAR AS {c}" for c in staged[0].columns)
        return f"SELECT {columns}, NULL::INTEGER AS _folder WHERE false"
    files = ", ".join("'" + str(p).replace("'", "''") + "'" for p in parts)
    return f"SELECT * FROM read_parquet([{files}])"


def _resolve(
    store: FeedStore, readers: list[_Reader], root: Path, stamps: list[str]
) -> dict[int, list[tuple[str, Path]]]:
    """Settle what needs every resource read, drop and name dangling rows, write a file per feed
    and folder; returns each folder's (feed, path)s. Patients' demographics are stored first.

    Runs in DuckDB over the staged parts (so memory stays bounded), in temporary tables of the
    store's connection, every folder in the same statements: a statement per folder and feed
    cost more than the work in it when a delivery is many small folders (docs/benchmarks.md).
    """
    con = store.connection
    con.execute("CREATE OR REPLACE TEMP TABLE _fhir_folders (_folder INTEGER, _sender VARCHAR)")
    con.executemany(
        "INSERT INTO _fhir_folders VALUES (?, ?)", [(reader.folder, reader.result.sender_code) for reader in readers]
    )
    staged = {name: [reader.staged[name] for reader in readers] for name in STAGED_FEEDS}
    con.execute(f"CREATE OR REPLACE TEMP TABLE _fhir_patients AS {_parts_sql(staged['_patients'])}")
    # Whom each folder's rows may point at: Patients in it or in an earlier folder of the same
    # sender (as if the folders were imported in turn), and the sender's persons already stored.
    con.execute(
        "CREATE OR REPLACE TEMP TABLE _fhir_known AS "
        "SELECT DISTINCT k._folder, p._person FROM _fhir_folders k "
        "JOIN _fhir_folders f ON f._sender = k._sender AND f._folder <= k._folder "
        "JOIN _fhir_patients p ON p._folder = f._folder "
        "UNION SELECT k._folder, d.source_person_id FROM _fhir_folders k "
        "JOIN person_demographics d ON d.sender_code = k._sender"
    )
    # Demographics first, as before any feed row: a person's rows never arrive without them.
    _store_demographics(store)
    for name, table in (("ae_attendances", "_fhir_ae"), ("apc_spells", "_fhir_apc"), ("deaths", "_fhir_deaths")):
        con.execute(f"CREATE OR REPLACE TEMP TABLE {table} AS {_parts_sql(staged[name])}")
    dangling: dict[int, list[tuple]] = {reader.folder: [] for reader in readers}
    files: dict[int, list[tuple[str, Path]]] = {reader.folder: [] for reader in readers}
    for name, parts in staged.items():
        with_rows = [reader for reader, one in zip(readers, parts, strict=True) if one.rows]
        if name.startswith("_") or not with_rows:
            continue
        source = {"ae_attendances": "_fhir_ae", "apc_spells": "_fhir_apc", "deaths": "_fhir_deaths"}.get(name)
        con.execute(
            "CREATE OR REPLACE TEMP TABLE _fhir_rows AS "
            f"{_parts_sql(parts) if source is None else f'SELECT * FROM {source}'}"
        )
        for folder, *row in con.execute(
            "SELECT r._folder, ?, r.source_record_id, r._origin, r._person FROM _fhir_rows r WHERE NOT EXISTS "
            "(SELECT 1 FROM _fhir_known k WHERE k._folder = r._folder AND k._person = r._person)",
            [name],
        ).fetchall():
            dangling[folder].append(tuple(row))
            readers[folder].result.rows[name] -= 1
        for reader in with_rows:
            sender = reader.result.sender_code
            path = root / sender / f"{name}__{sender}__{stamps[reader.folder]}.parquet"
            path.parent.mkdir(parents=True, exist_ok=True)
            con.execute(
                f"COPY (SELECT {_feed_columns(store, name, sender)} FROM _fhir_rows r "
                f"WHERE r._folder = {reader.folder} "
                "AND EXISTS (SELECT 1 FROM _fhir_known k WHERE k._folder = r._folder AND k._person = r._person) "
                f"ORDER BY r.source_record_id) TO '{str(path).replace(chr(39), chr(39) * 2)}' (FORMAT parquet)"
            )
            files[reader.folder].append((name, path))
    for reader in readers:
        found = sorted(dangling[reader.folder], key=lambda d: (d[2], d[1]))
        reader.result.dangling_count = len(found)
        reader.result.dangling = [
            f"{feed} {record} ({origin}): no Patient '{person}'"
            for feed, record, origin, person in found[:DANGLING_SHOWN]
        ]
    return files


def _feed_columns(store: FeedStore, name: str, sender: str) -> str:
    """The feed's columns in the contract's order, from the staged rows `r`: settled, or NULL
    where the FHIR mapping has none."""
    columns = []
    for column in store.feed(name).column_names:
        if column == "sender_code":
            columns.append("'" + sender.replace("'", "''") + "' AS sender_code")
        elif column == "source_person_id":
            columns.append("r._person AS source_person_id")
        elif column in _SETTLED and column in STAGED_FEEDS[name]:
            columns.append(f"{_SETTLED[column]} AS {column}")
        elif column in STAGED_FEEDS[name]:
            columns.append(f"r.{column}")
        else:
            columns.append(f"NULL::VARCHAR AS {column}")
    return ", ".join(columns)


def _store_demographics(store: FeedStore) -> None:
    con = store.connection
    con.begin()
    try:
        # One row per sender's person: a patient repeated across bundles or folders of one sender
        # is the same person, and the latest folder (then file and entry) wins, as it would
        # have when the folders were imported in turn.
        con.execute(
            "INSERT OR REPLACE INTO person_demographics SELECT k._sender, p._person, arg_max(nhs_number, _order), "
            "arg_max(given_name, _order), arg_max(family_name, _order), "
            "CAST(nullif(arg_max(date_of_birth, _order), '') AS DATE), arg_max(sex, _order), "
            "arg_max(postcode, _order), ? "
            "FROM (SELECT *, lpad(CAST(_folder AS VARCHAR), 9, '0') || _origin AS _order FROM _fhir_patients) p "
            "JOIN _fhir_folders k ON k._folder = p._folder GROUP BY k._sender, p._person",
            [utc_stamp()],
        )
        con.commit()
    except BaseException:
        con.rollback()
        raise
