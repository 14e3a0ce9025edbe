"""FHIR R4 vital-signs Observations into the virtual ward (decision 0053).

Devices and partner systems send Observations as one resource, a transaction or batch Bundle, or
NDJSON (one resource a line). Each measurement is read from the resource's code and value, and
from its components (the blood pressure panel 85354-9 carries systolic 8480-6 as a component;
one Observation may carry a whole set as components). The codes are the export's
(``virtualward.fhir``): LOINC respiratory rate 9279-1, SpO2 59408-5 or 2708-6, systolic 8480-6,
heart rate 8867-4, body temperature 8310-5; supplemental oxygen as the inhaled oxygen flow rate
3151-8 (any flow is oxygen) or concentration 3150-0 (above room air's 21 % is oxygen), as the
pulse-oximetry profiles carry them; ACVPU and air or oxygen also as the export's text-coded
Observations, which have no LOINC code. Quantities must be UCUM; temperature is converted from
[degF] or K to Cel, anything else is refused naming the resource and field.

Readings of one subject (NHS number, or an Octopus person id) at one ``effectiveDateTime`` make
one set, scored and alerted by ``services.record_many`` exactly as the JSON API and the CSV
upload are. The whole file is checked first; nothing is stored unless every set is complete
and plausible.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from django.utils import timezone

from octopus.governance import access

from . import fhir, news2, services
from .models import Admission, Observation, ObservationSource

NHS_NUMBER = "https://fhir.nhs.uk/Id/nhs-number"
LOINC = fhir.LOINC
UCUM = fhir.UCUM
ACCEPTED_STATUS = ("final", "amended", "corrected")
ROOM_AIR_OXYGEN_PERCENT = Decimal(21)  # fraction of oxygen in dry air, 20.95 % (rounded, as devices report it)

# LOINC code → the ward's field. 8462-4 (diastolic) is not a NEWS2 parameter: read past, not refused.
MEASURE = {
    "9279-1": "respiration_rate",
    "59408-5": "spo2",
    "2708-6": "spo2",
    "8480-6": "systolic_bp",
    "8867-4": "pulse",
    "8310-5": "temperature",
    "3151-8": "oxygen_flow",
    "3150-0": "oxygen_concentration",
}
IGNORED_CODES = {"8462-4", "85354-9"}  # diastolic; the panel itself carries no value
# UCUM units accepted per field; annotations such as {breaths}/min mean /min (UCUM §6.4).
UNITS = {
    "respiration_rate": {"/min", "{breaths}/min", "{Breaths}/min", "1/min"},
    "pulse": {"/min", "{beats}/min", "{Beats}/min", "1/min"},
    "spo2": {"%"},
    "systolic_bp": {"mm[Hg]"},
    "temperature": {"Cel", "[degF]", "K"},
    "oxygen_flow": {"L/min"},
    "oxygen_concentration": {"%"},
}
CONSCIOUSNESS = {
    **{label.lower(): code for code, label in news2.CONSCIOUSNESS.items()},
    **{code.lower(): code for code in news2.CONSCIOUSNESS},
}
OXYGEN = {"air": False, "supplemental oxygen": True, "oxygen": True}


class FhirImportError(ValueError):
    """A file, Bundle or resource refused; ``where`` names the entry or line, ``field`` the element."""

    def __init__(self, where: str, field: str, message: str):
        super().__init__(f"{where}: {field}: {message}" if field else f"{where}: {message}")
        self.where, self.field = where, field


@dataclass
class Sent:
    """One resource as sent: where it sits in the file and, for a Bundle entry, its request."""

    where: str
    resource: dict
    expression: str = "Observation"


@dataclass
class ObservationSet:
    subject: tuple[str, str]  # ("nhs", number) or ("person", person id)
    taken_at: dt.datetime
    values: dict = field(default_factory=dict)
    wheres: dict = field(default_factory=dict)  # field → where it came from

    @property
    def label(self) -> str:
        kind, value = self.subject
        who = f"NHS number {value}" if kind == "nhs" else f"Patient/{value}"
        return f"{who} at {self.taken_at.isoformat()}"


# Reading the file -------------------------------------------------------------------------------


def resources_in(text: str, name: str) -> tuple[list[Sent], str]:
    """The Observations in ``text`` (a resource, a Bundle or NDJSON) and what the file was:
    ``observation``, ``bundle`` or ``ndjson``."""
    stripped = text.strip()
    if not stripped:
        raise FhirImportError(name, "", "the file is empty.")
    try:
        document = json.loads(stripped)
    except json.JSONDecodeError:
        document = None
    if document is None:
        return _ndjson(stripped, name), "ndjson"
    if not isinstance(document, dict):
        raise FhirImportError(name, "resourceType", "expected a FHIR resource (a JSON object).")
    kind = document.get("resourceType")
    if kind == "Observation":
        return [Sent(name, document)], "observation"
    if kind == "Bundle":
        return _bundle(document, name), "bundle"
    raise FhirImportError(name, "resourceType", f"expected an Observation or a Bundle, not {kind!r}.")


def _ndjson(text: str, name: str) -> list[Sent]:
    sent = []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        where = f"{name}: line {number}"
        try:
            resource = json.loads(line)
        except json.JSONDecodeError as error:
            raise FhirImportError(where, "", f"not JSON ({error.msg}, column {error.colno}).") from None
        if not isinstance(resource, dict) or resource.get("resourceType") != "Observation":
            kind = resource.get("resourceType") if isinstance(resource, dict) else type(resource).__name__
            raise FhirImportError(where, "resourceType", f"expected an Observation, not {kind!r}.")
        sent.append(Sent(_named(where, resource), resource))
    return sent


def _bundle(bundle: dict, name: str) -> list[Sent]:
    # A batch is taken whole too: one set of observations often spans several entries, and a set
    # scored without its other half would be wrong.
    if bundle.get("type") not in ("transaction", "batch"):
        raise FhirImportError(
            name, "Bundle.type", f"expected a transaction or batch Bundle, not {bundle.get('type')!r}."
        )
    entries = bundle.get("entry")
    if not isinstance(entries, list) or not entries:
        raise FhirImportError(name, "Bundle.entry", "the Bundle has no entries.")
    sent = []
    for index, entry in enumerate(entries):
        where = f"{name}: entry {index + 1}"
        resource = entry.get("resource") if isinstance(entry, dict) else None
        if not isinstance(resource, dict) or resource.get("resourceType") != "Observation":
            kind = resource.get("resourceType") if isinstance(resource, dict) else None
            raise FhirImportError(where, "resource", f"expected an Observation, not {kind!r}.")
        request = entry.get("request") or {}
        if request.get("method") != "POST" or str(request.get("url", "")).split("?")[0].rstrip("/") != "Observation":
            raise FhirImportError(
                _named(where, resource),
                "request",
                f"only creating Observations is accepted (POST Observation), not "
                f"{request.get('method')!r} {request.get('url')!r}.",
            )
        sent.append(Sent(_named(where, resource), resource, f"Bundle.entry[{index}].resource"))
    return sent


def _named(where: str, resource: dict) -> str:
    return f"{where} (Observation/{resource['id']})" if isinstance(resource.get("id"), str) else where


# Reading one resource ---------------------------------------------------------------------------


def _validate(sent: Sent) -> None:
    """The resource against the R4 Observation model: a malformed element is named by its path."""
    from fhir.resources.R4B.observation import Observation as FhirObservation
    from pydantic import ValidationError

    try:
        FhirObservation.model_validate(sent.resource)
    except ValidationError as error:
        first = error.errors()[0]
        path = ".".join(str(part) for part in first["loc"] if not str(part).startswith("function-"))
        raise FhirImportError(sent.where, path or "Observation", first["msg"]) from None


def _subject(sent: Sent) -> tuple[str, str]:
    subject = sent.resource.get("subject")
    if not isinstance(subject, dict):
        raise FhirImportError(sent.where, "subject", "missing: give the resident's NHS number as subject.identifier.")
    identifier = subject.get("identifier")
    if isinstance(identifier, dict):
        if identifier.get("system") != NHS_NUMBER:
            raise FhirImportError(
                sent.where, "subject.identifier.system", f"expected {NHS_NUMBER}, not {identifier.get('system')!r}."
            )
        return "nhs", str(identifier.get("value", "")).replace(" ", "")
    reference = str(subject.get("reference", ""))
    prefix = f"Patient?identifier={NHS_NUMBER}|"
    if reference.startswith(prefix):
        return "nhs", reference.removeprefix(prefix).replace(" ", "")
    if reference.startswith("Patient/") and "?" not in reference:
        return "person", reference.removeprefix("Patient/")
    raise FhirImportError(
        sent.where,
        "subject",
        f"name the resident by NHS number ({NHS_NUMBER}) or as Patient/<id>, not {reference or subject!r}.",
    )


def _taken_at(sent: Sent) -> dt.datetime:
    raw = sent.resource.get("effectiveDateTime")
    if not raw:
        raise FhirImportError(sent.where, "effectiveDateTime", "missing: give when the reading was taken.")
    try:
        value = dt.datetime.fromisoformat(str(raw))
    except ValueError:
        value = None
    if value is None or "T" not in str(raw):
        raise FhirImportError(
            sent.where, "effectiveDateTime", f"{raw!r} is not a date and time (e.g. 2026-11-24T08:00:00+00:00)."
        )
    if timezone.is_naive(value):
        raise FhirImportError(
            sent.where, "effectiveDateTime", f"{raw!r} gives no time zone offset (FHIR requires one with a time)."
        )
    return value


def _codes(concept) -> list[tuple[str, str]]:
    if not isinstance(concept, dict):
        return []
    return [(c.get("system", ""), str(c.get("code", ""))) for c in concept.get("coding") or [] if isinstance(c, dict)]


def _quantity(sent: Sent, path: str, quantity, measure: str) -> Decimal:
    if not isinstance(quantity, dict) or quantity.get("value") is None:
        raise FhirImportError(
            sent.where, f"{path}valueQuantity", f"missing: {measure} needs a value with its UCUM unit."
        )
    if quantity.get("system") != UCUM:
        raise FhirImportError(
            sent.where, f"{path}valueQuantity.system", f"units must be UCUM ({UCUM}), not {quantity.get('system')!r}."
        )
    unit = quantity.get("code")
    if unit not in UNITS[measure]:
        raise FhirImportError(
            sent.where,
            f"{path}valueQuantity.code",
            f"{unit!r} is not a unit Octopus converts for {_label(measure)} "
            f"(accepted: {', '.join(sorted(UNITS[measure]))}).",
        )
    try:
        value = Decimal(str(quantity["value"]))
    except InvalidOperation:
        raise FhirImportError(
            sent.where, f"{path}valueQuantity.value", f"{quantity['value']!r} is not a number."
        ) from None
    if unit == "[degF]":
        return (value - 32) * 5 / 9  # UCUM [degF]: 5/9 K offset 459.67, i.e. (°F − 32) × 5/9 °C
    if unit == "K":
        return value - Decimal("273.15")
    return value


def _label(measure: str) -> str:
    return {"oxygen_flow": "inhaled oxygen flow rate", "oxygen_concentration": "inhaled oxygen concentration"}.get(
        measure, news2.LABELS.get(measure, measure).lower()
    )


def _text_value(element: dict) -> str:
    for key in ("valueString",):
        if isinstance(element.get(key), str):
            return element[key]
    concept = element.get("valueCodeableConcept")
    if isinstance(concept, dict):
        return str(
            concept.get("text") or next((c.get("display") or c.get("code") for c in concept.get("coding") or []), "")
        )
    return ""


def _readings(sent: Sent) -> list[tuple[str, object, str]]:
    """(field, value, element path) for each NEWS2 parameter the resource carries."""
    elements = [("", sent.resource)] + [
        (f"component[{index}].", component)
        for index, component in enumerate(sent.resource.get("component") or [])
        if isinstance(component, dict)
    ]
    found = []
    recognised = False
    for path, element in elements:
        codes = _codes(element.get("code"))
        loinc = [code for system, code in codes if system == LOINC]
        text = (element.get("code") or {}).get("text") if isinstance(element.get("code"), dict) else None
        measure = next((MEASURE[code] for code in loinc if code in MEASURE), None)
        if measure:
            recognised = True
            value = _quantity(sent, path, element.get("valueQuantity"), measure)
            if measure == "oxygen_flow":
                found.append(("on_oxygen", value > 0, path))
            elif measure == "oxygen_concentration":
                found.append(("on_oxygen", value > ROOM_AIR_OXYGEN_PERCENT, path))
            else:
                found.append((measure, value, path))
        elif any(code in IGNORED_CODES for code in loinc) or text == fhir.NEWS2_TEXT:
            recognised = True  # the panel, diastolic, and the export's own NEWS2 total (scored afresh here)
        elif text == fhir.ACVPU_TEXT:
            recognised = True
            raw = _text_value(element)
            if raw.strip().lower() not in CONSCIOUSNESS:
                raise FhirImportError(
                    sent.where,
                    f"{path}valueString",
                    f"{raw!r} is not a level of consciousness (ACVPU: {', '.join(news2.CONSCIOUSNESS.values())}).",
                )
            found.append(("consciousness", CONSCIOUSNESS[raw.strip().lower()], path))
        elif text == fhir.OXYGEN_TEXT:
            recognised = True
            if isinstance(element.get("valueBoolean"), bool):
                found.append(("on_oxygen", element["valueBoolean"], path))
                continue
            raw = _text_value(element)
            if raw.strip().lower() not in OXYGEN:
                raise FhirImportError(
                    sent.where, f"{path}valueString", f"{raw!r} is neither Air nor Supplemental oxygen."
                )
            found.append(("on_oxygen", OXYGEN[raw.strip().lower()], path))
    if not recognised:
        shown = ", ".join(code for _, code in _codes(sent.resource.get("code"))) or (
            sent.resource.get("code") or {}
        ).get("text")
        raise FhirImportError(
            sent.where,
            "code",
            f"{shown!r} is not a NEWS2 parameter Octopus reads (LOINC "
            f"{', '.join(sorted(MEASURE))}, the 85354-9 panel, or the ACVPU and air-or-oxygen "
            "Observations of the Octopus export).",
        )
    return found


def observation_sets(sent: list[Sent]) -> list[ObservationSet]:
    """The readings grouped by subject and time; a parameter sent twice with different values is refused."""
    sets: dict[tuple, ObservationSet] = {}
    for item in sent:
        status = item.resource.get("status")
        if status not in ACCEPTED_STATUS:
            raise FhirImportError(
                item.where, "status", f"{status!r}: only {', '.join(ACCEPTED_STATUS)} readings are scored."
            )
        subject, taken_at = _subject(item), _taken_at(item)
        _validate(item)
        group = sets.setdefault((subject, taken_at), ObservationSet(subject, taken_at))
        for name, value, path in _readings(item):
            if name in group.values and group.values[name] != value:
                raise FhirImportError(
                    item.where,
                    f"{path}value",
                    f"{_label(name)} for {group.label} was already given "
                    f"as {group.values[name]} in {group.wheres[name]}.",
                )
            group.values[name], group.wheres[name] = value, item.where
    return list(sets.values())


# Checking against the ward and recording --------------------------------------------------------


def admissions_for(user) -> dict[tuple[str, str], Admission]:
    """Open admissions the user (or a device acting as them) records for: their teams' ward,
    through the access point; keyed by NHS number and by person id."""
    admissions = access.scoped(user, Admission.objects.filter(discharged_at__isnull=True, team_id__in=user.team_ids))
    found: dict = {}
    for admission in admissions.select_related("resident", "team__organisation"):
        number = admission.resident.nhs_number
        if number:
            # Two residents on the ward with one NHS number (a linkage error): the readings could be
            # either's, so that number matches nobody until the records are put right.
            found["nhs", number] = AMBIGUOUS if ("nhs", number) in found else admission
        found["person", admission.resident.person_id] = admission
    return found


AMBIGUOUS = object()


def _values(group: ObservationSet) -> dict:
    values = dict(group.values)
    if "temperature" in values:
        values["temperature"] = news2.temperature(values["temperature"])
    return values


def _already(admission: Admission, taken_at: dt.datetime) -> Observation | None:
    return admission.observations.filter(taken_at=taken_at).first()


def check(sent: list[Sent], admissions: dict[tuple[str, str], Admission]) -> tuple[list, list]:
    """Every set checked before anything is stored: (to record, already recorded). A set recorded
    before at the same time with the same values is a device resending, answered, not stored twice."""
    checked, repeated = [], []
    now = timezone.now()
    for group in observation_sets(sent):
        where = group.wheres[next(iter(group.wheres))]
        admission = admissions.get(group.subject)
        if admission is AMBIGUOUS:
            raise FhirImportError(
                where,
                "subject",
                f"{group.label.split(' at ')[0]} belongs to more than one resident on "
                "your ward; ask the data team to correct the records (readings not scored).",
            )
        if admission is None:
            raise FhirImportError(
                where, "subject", f"{group.label.split(' at ')[0]} is not on a virtual ward you record for."
            )
        missing = [name for name in services.FIELDS if name not in group.values]
        if missing:
            raise FhirImportError(
                where,
                missing[0],
                f"the set for {group.label} has no {_label(missing[0]).lower()}; "
                "NEWS2 needs every parameter taken at the same time (same effectiveDateTime).",
            )
        values = _values(group)
        try:
            parsed = services.parse(values, admission.spo2_scale)
            services.check_taken_at(admission, group.taken_at, now)
        except services.ObservationError as error:
            raise FhirImportError(group.wheres.get(error.field, where), error.field, str(error)) from None
        earlier = _already(admission, group.taken_at)
        if earlier is not None:
            same = all(getattr(earlier, name) == getattr(parsed, name) for name in services.FIELDS)
            if not same:
                raise FhirImportError(
                    where, "effectiveDateTime", f"a different set for {group.label} is already recorded."
                )
            repeated.append((group, earlier))
            continue
        checked.append((group, where, admission, values))
    return checked, repeated


@dataclass
class Imported:
    recorded: list[services.Recorded]
    repeated: list[Observation]
    sets: list[ObservationSet]  # in the order recorded and repeated list them


def import_text(text: str, name: str, actor, *, recorded_by: str, path: str = "") -> Imported:
    """Read, check and record a file's Observations for the wards ``actor`` records for."""
    sent, _kind = resources_in(text, name)
    return import_sent(sent, actor, recorded_by=recorded_by, path=path)


def import_sent(sent: list[Sent], actor, *, recorded_by: str, path: str = "") -> Imported:
    checked, repeated = check(sent, admissions_for(actor))
    recorded = services.record_many(
        [(where, admission, values, group.taken_at) for group, where, admission, values in checked],
        source=ObservationSource.FHIR,
        recorded_by=recorded_by,
        actor=actor,
        path=path,
    )
    ordered = sorted(checked, key=lambda item: item[0].taken_at)
    return Imported(
        recorded,
        [observation for _group, observation in repeated],
        [group for group, *_ in ordered] + [group for group, _ in repeated],
    )
