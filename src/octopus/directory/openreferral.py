"""Open Referral UK (HSDS 3.0 UK profile) JSON export and import of services.

The file is one JSON object: ``organizations`` (HSDS organization records) and ``services``
(HSDS service records, each naming its ``organization_id``, with nested ``service_at_locations``
→ ``location`` → ``addresses``, ``attributes`` → ``taxonomy_term``, ``contacts`` → ``phones``,
``schedules`` and ``service_areas``). An ORUK API page (``{"contents": [...]}``) is accepted too.
Fields HSDS has no place for are prefixed ``octopus_`` so other ORUK readers can ignore them.

Import is all or nothing: every record is checked first, and one bad record means nothing from
the file is stored. Each problem names the record (index and id) and the field at fault.
"""

import json
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.db import transaction

from .models import (
    Heart,
    Location,
    Neighbourhood,
    Organisation,
    Practitioner,
    Service,
    ServiceStatus,
    TaxonomyTerm,
    Team,
    Tier,
)

PROFILE = "Open Referral UK 3.0 (HSDS 3.0 UK profile), with octopus_ extensions"
STATUSES = set(ServiceStatus.values)
AREA_URI = "octopus:neighbourhood:"


class OrukImportError(ValueError):
    """The file was refused; ``problems`` says where and why. Nothing was imported."""

    def __init__(self, source: str, problems: list[str]):
        self.source = source
        self.problems = problems
        super().__init__(
            f"{source}: nothing imported, {len(problems)} problem(s):\n" + "\n".join(f"- {p}" for p in problems)
        )


@dataclass
class ImportReport:
    source: str
    organisations_created: int = 0
    services_created: int = 0
    services_updated: int = 0
    warnings: list[str] = field(default_factory=list)

    def summary(self) -> str:
        return (
            f"{self.source}: {self.services_created} services added, {self.services_updated} updated, "
            f"{self.organisations_created} organisations added"
        )


# ---------------------------------------------------------------- export


def _organisation_record(org: Organisation) -> dict:
    identifiers = []
    if org.ods_code:
        identifiers.append({"identifier_scheme": "GB-NHS", "identifier_type": "ODS code", "identifier": org.ods_code})
    if org.charity_number:
        identifiers.append(
            {
                "identifier_scheme": "GB-CHC",
                "identifier_type": "Registered charity number",
                "identifier": org.charity_number,
            }
        )
    return {
        "id": str(org.uid),
        "name": org.name,
        "description": org.description,
        "email": org.email,
        "url": org.website,
        "organization_identifiers": identifiers,
        "octopus_heart": org.heart,
    }


def _location_record(location: Location) -> dict:
    return {
        "id": str(location.uid),
        "location_type": "physical",
        "name": location.name,
        "description": location.description,
        "latitude": location.latitude,
        "longitude": location.longitude,
        "addresses": [
            {
                "address_type": "physical",
                "address_1": location.address_1,
                "city": location.city,
                "postal_code": location.postal_code,
                "country": "GB",
            }
        ],
    }


def _contact_record(person: Practitioner) -> dict:
    return {
        "id": str(person.uid),
        "name": person.name,
        "title": person.job_title,
        "email": person.email,
        "phones": [{"number": person.phone}] if person.phone else [],
        "octopus_availability": person.availability,
        "octopus_team": person.team.name,
    }


def _service_record(service: Service) -> dict:
    return {
        "id": str(service.uid),
        "organization_id": str(service.organisation.uid),
        "name": service.name,
        "description": service.description,
        "url": service.url,
        "email": service.email,
        "status": service.status,
        "minimum_age": service.minimum_age,
        "maximum_age": service.maximum_age,
        "eligibility_description": service.eligibility_description,
        "application_process": service.application_process,
        "phones": [{"number": service.phone}] if service.phone else [],
        "schedules": [{"description": service.hours}] if service.hours else [],
        "service_at_locations": [{"location": _location_record(loc)} for loc in service.locations.all()],
        "attributes": [
            {"taxonomy_term": {"id": str(t.uid), "code": t.code, "name": t.name, "vocabulary": t.vocabulary}}
            for t in service.taxonomy_terms.all()
        ],
        "contacts": [_contact_record(p) for p in service.contacts.select_related("team")],
        "service_areas": [{"name": n.name, "uri": AREA_URI + n.slug} for n in service.neighbourhoods.all()],
        "octopus_team": {"name": service.team.name, "tier": service.team.tier} if service.team else None,
        "octopus_capacity": service.capacity,
        "octopus_first_contact_days": service.first_contact_days,
        "octopus_community_asset": service.is_community_asset,
    }


def export_oruk() -> dict:
    """Every service (and the organisations that run them) as one ORUK document."""
    services = Service.objects.select_related("organisation", "team").order_by("organisation__name", "name")
    organisations = Organisation.objects.filter(services__isnull=False).distinct().order_by("name")
    return {
        "profile": PROFILE,
        "organizations": [_organisation_record(o) for o in organisations],
        "services": [_service_record(s) for s in services],
    }


# ---------------------------------------------------------------- checking


class _Checker:
    """Collects every problem in the document, each with the record and field at fault."""

    def __init__(self, known_organisations: set[str]):
        self.problems: list[str] = []
        self.organisations = set(known_organisations)

    def where(self, kind: str, index: int, record: Any) -> str:
        ident = record.get("id") if isinstance(record, dict) else None
        return f"{kind}[{index}]" + (f" (id {ident})" if ident else "")

    def text(self, where: str, record: dict, name: str, *, required: bool = False) -> None:
        value = record.get(name)
        if value is None or value == "":
            if required:
                self.problems.append(f"{where}: field '{name}' is required")
        elif not isinstance(value, str):
            self.problems.append(f"{where}: field '{name}' must be text, not {type(value).__name__} {value!r}")

    def identifier(self, where: str, record: dict, name: str = "id") -> None:
        self.text(where, record, name, required=True)
        value = record.get(name)
        if isinstance(value, str) and value:
            try:
                uuid.UUID(value)
            except ValueError:
                self.problems.append(f"{where}: field '{name}' must be a UUID, not {value!r}")

    def age(self, where: str, record: dict, name: str) -> None:
        value = record.get(name)
        if value is not None and (
            isinstance(value, bool) or not isinstance(value, int | float) or value < 0 or value != int(value)
        ):
            self.problems.append(f"{where}: field '{name}' must be a whole number of years, not {value!r}")

    def objects(self, where: str, record: dict, name: str) -> list:
        value = record.get(name) or []
        if not isinstance(value, list) or not all(isinstance(v, dict) for v in value):
            self.problems.append(f"{where}: field '{name}' must be a list of objects")
            return []
        return value

    def organisation(self, index: int, record: Any) -> None:
        where = self.where("organizations", index, record)
        if not isinstance(record, dict):
            self.problems.append(f"{where}: must be an object")
            return
        self.identifier(where, record)
        self.text(where, record, "name", required=True)
        for name in ("description", "email", "url"):
            self.text(where, record, name)
        heart = record.get("octopus_heart")
        if heart not in (None, "", *Heart.values):
            self.problems.append(
                f"{where}: field 'octopus_heart' must be one of {', '.join(Heart.values)}, not {heart!r}"
            )
        self.organisations.add(record.get("id"))

    def service(self, index: int, record: Any) -> None:
        where = self.where("services", index, record)
        if not isinstance(record, dict):
            self.problems.append(f"{where}: must be an object")
            return
        self.identifier(where, record)
        self.text(where, record, "name", required=True)
        for name in (
            "description",
            "url",
            "email",
            "eligibility_description",
            "application_process",
            "octopus_capacity",
        ):
            self.text(where, record, name)
        status = record.get("status")
        if status not in STATUSES:
            self.problems.append(
                f"{where}: field 'status' is required"
                if status in (None, "")
                else f"{where}: field 'status' must be one of {', '.join(sorted(STATUSES))}, not {status!r}"
            )
        organisation_id = record.get("organization_id") or (record.get("organization") or {}).get("id")
        if not organisation_id:
            self.problems.append(f"{where}: field 'organization_id' is required")
        elif organisation_id not in self.organisations:
            self.problems.append(
                f"{where}: field 'organization_id' refers to organisation {organisation_id}, which is neither in this "
                "file's 'organizations' nor in Octopus"
            )
        self.age(where, record, "minimum_age")
        self.age(where, record, "maximum_age")
        self.age(where, record, "octopus_first_contact_days")
        for i, link in enumerate(self.objects(where, record, "service_at_locations")):
            location = link.get("location")
            if not isinstance(location, dict):
                self.problems.append(f"{where}: field 'service_at_locations[{i}].location' must be an object")
                continue
            self.identifier(f"{where} service_at_locations[{i}].location", location)
            self.text(f"{where} service_at_locations[{i}].location", location, "name", required=True)
            self.objects(f"{where} service_at_locations[{i}].location", location, "addresses")
        for i, attribute in enumerate(self.objects(where, record, "attributes")):
            term = attribute.get("taxonomy_term")
            if not isinstance(term, dict) or not (term.get("code") or term.get("name")):
                self.problems.append(f"{where}: field 'attributes[{i}].taxonomy_term' needs a code or a name")
        for i, contact in enumerate(self.objects(where, record, "contacts")):
            self.text(f"{where} contacts[{i}]", contact, "name", required=True)
            self.text(f"{where} contacts[{i}]", contact, "title")
            self.text(f"{where} contacts[{i}]", contact, "email")
        self.objects(where, record, "schedules")
        self.objects(where, record, "service_areas")
        self.objects(where, record, "phones")


def _read(path_or_file) -> tuple[str, str]:
    if hasattr(path_or_file, "read"):
        return getattr(path_or_file, "name", "uploaded file"), path_or_file.read()
    path = Path(path_or_file)
    return str(path), path.read_text(encoding="utf-8")


def _parse(source: str, text: str | bytes) -> tuple[list, list]:
    try:
        document = json.loads(text)
    except json.JSONDecodeError as error:
        raise OrukImportError(
            source, [f"not valid JSON: {error.msg} at line {error.lineno}, column {error.colno}"]
        ) from None
    if isinstance(document, list):
        return [], document
    if not isinstance(document, dict) or not isinstance(document.get("services", document.get("contents")), list):
        raise OrukImportError(
            source, ["expected an object with a 'services' list (or an ORUK API page with 'contents')"]
        )
    organisations = document.get("organizations") or []
    if not isinstance(organisations, list):
        raise OrukImportError(source, ["field 'organizations' must be a list"])
    return organisations, document.get("services", document.get("contents"))


# ---------------------------------------------------------------- storing


def _store_organisation(record: dict, report: ImportReport) -> Organisation:
    identifiers = {
        i.get("identifier_scheme"): i.get("identifier", "")
        for i in record.get("organization_identifiers") or []
        if isinstance(i, dict)
    }
    fields = {
        "name": record["name"],
        "description": record.get("description") or "",
        "email": record.get("email") or "",
        "website": record.get("url") or "",
        "ods_code": identifiers.get("GB-NHS", ""),
        "charity_number": identifiers.get("GB-CHC", ""),
    }
    heart = record.get("octopus_heart")
    if not heart:
        heart = Heart.VCSE
        report.warnings.append(
            f"organisation {record['name']}: no octopus_heart given; recorded as VCSE – change it on its page if wrong"
        )
    organisation, created = Organisation.objects.update_or_create(uid=record["id"], defaults={**fields, "heart": heart})
    report.organisations_created += created
    return organisation


def _team_for(organisation: Organisation, entry: dict | None, fallback_name: str) -> Team:
    # Octopus files say which team delivers a service; other ORUK files do not, so a team
    # named after the service holds its contacts until an editor moves them.
    name = (entry or {}).get("name") or fallback_name
    tier = (entry or {}).get("tier") if (entry or {}).get("tier") in Tier.values else Tier.TAILORED
    return Team.objects.get_or_create(organisation=organisation, name=name, defaults={"tier": tier})[0]


def _store_contact(record: dict, organisation: Organisation, default_team: Team) -> Practitioner:
    given, _, family = record["name"].strip().rpartition(" ")
    phones = record.get("phones") or []
    fields = {
        "given_name": given or record["name"].strip(),
        "family_name": family if given else "",
        "job_title": record.get("title") or "",
        "email": record.get("email") or "",
        "phone": (phones[0].get("number") or "") if phones else "",
        "availability": record.get("octopus_availability") or "",
    }
    contact_id = record.get("id")
    person = Practitioner.objects.filter(uid=contact_id).first() if _is_uuid(contact_id) else None
    if person is None:
        team = (
            _team_for(organisation, {"name": record["octopus_team"]}, default_team.name)
            if record.get("octopus_team")
            else default_team
        )
        person = Practitioner.objects.create(
            team=team, **({"uid": contact_id} if _is_uuid(contact_id) else {}), **fields
        )
    else:
        for key, value in fields.items():
            setattr(person, key, value)
        person.save()
    return person


def _is_uuid(value) -> bool:
    try:
        uuid.UUID(str(value))
        return True
    except ValueError:
        return False


def _store_location(record: dict) -> Location:
    address = (record.get("addresses") or [{}])[0]
    fields = {
        "name": record["name"],
        "description": record.get("description") or "",
        "latitude": record.get("latitude"),
        "longitude": record.get("longitude"),
        "address_1": address.get("address_1") or "",
        "city": address.get("city") or "",
        "postal_code": address.get("postal_code") or "",
    }
    location, _ = Location.objects.update_or_create(uid=record["id"], defaults=fields)
    return location


def _store_term(record: dict) -> TaxonomyTerm:
    code = record.get("code") or record["name"].lower().replace(" ", "-")
    defaults = {"name": record.get("name") or code, "vocabulary": record.get("vocabulary") or "octopus"}
    # Terms are matched by code (shared vocabularies); a new term keeps the file's id.
    create = {**defaults, "uid": record["id"]} if _is_uuid(record.get("id")) else defaults
    return TaxonomyTerm.objects.update_or_create(code=code, defaults=defaults, create_defaults=create)[0]


def _store_service(record: dict, report: ImportReport) -> Service:
    organisation = Organisation.objects.get(uid=record.get("organization_id") or record["organization"]["id"])
    team = (
        _team_for(organisation, record.get("octopus_team"), record["name"])
        if record.get("octopus_team") or record.get("contacts")
        else None
    )
    phones = record.get("phones") or []
    schedules = record.get("schedules") or []
    fields = {
        "organisation": organisation,
        "team": team,
        "name": record["name"],
        "description": record.get("description") or "",
        "url": record.get("url") or "",
        "email": record.get("email") or "",
        "status": record["status"],
        "phone": (phones[0].get("number") or "") if phones else "",
        "minimum_age": record.get("minimum_age"),
        "maximum_age": record.get("maximum_age"),
        "eligibility_description": record.get("eligibility_description") or "",
        "application_process": record.get("application_process") or "",
        "hours": "; ".join(s.get("description") or "" for s in schedules if s.get("description")),
        "capacity": record.get("octopus_capacity") or "",
        "first_contact_days": record.get("octopus_first_contact_days"),
        "is_community_asset": bool(record.get("octopus_community_asset")),
    }
    service, created = Service.objects.update_or_create(uid=record["id"], defaults=fields)
    report.services_created += created
    report.services_updated += not created
    service.locations.set([_store_location(link["location"]) for link in record.get("service_at_locations") or []])
    service.taxonomy_terms.set([_store_term(a["taxonomy_term"]) for a in record.get("attributes") or []])
    service.contacts.set([_store_contact(c, organisation, team) for c in record.get("contacts") or []])
    areas = []
    for area in record.get("service_areas") or []:
        slug = (area.get("uri") or "").removeprefix(AREA_URI)
        found = (
            Neighbourhood.objects.filter(slug=slug).first()
            or Neighbourhood.objects.filter(name=area.get("name")).first()
        )
        if found:
            areas.append(found)
        else:
            report.warnings.append(
                f"service {record['name']}: service area {area.get('name') or slug!r} is not a neighbourhood in "
                "Octopus; not linked"
            )
    service.neighbourhoods.set(areas)
    return service


def import_oruk(path_or_file) -> ImportReport:
    """Import services from an ORUK JSON file (path or open file). Raises OrukImportError, storing
    nothing, if any record is bad."""
    source, text = _read(path_or_file)
    organisations, services = _parse(source, text)
    checker = _Checker({str(u) for u in Organisation.objects.values_list("uid", flat=True)})
    for index, record in enumerate(organisations):
        checker.organisation(index, record)
    for index, record in enumerate(services):
        checker.service(index, record)
    if checker.problems:
        raise OrukImportError(source, checker.problems)
    report = ImportReport(source=source)
    with transaction.atomic():
        for record in organisations:
            _store_organisation(record, report)
        for record in services:
            _store_service(record, report)
    return report
