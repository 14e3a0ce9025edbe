"""Seeds the demo neighbourhood's geography and services from ``seed/westminster.yaml``.

Called by ``octopus.demo.seed_directory`` after organisations, teams and practitioners exist;
every step updates in place, so the demo can be prepared again without duplicates.
"""

from .geography import define_neighbourhood, load_reference_geography
from .models import Location, Neighbourhood, Organisation, Practitioner, Service, TaxonomyTerm, Team


def seed_neighbourhoods(document: dict) -> list[Neighbourhood]:
    load_reference_geography()
    return [
        define_neighbourhood(
            name=entry["name"],
            slug=entry["slug"],
            borough=entry["borough"],
            pcn_codes=entry["pcn_codes"],
            postcode_districts=entry.get("postcode_districts", ""),
            description=entry.get("description", ""),
        )
        for entry in document.get("neighbourhoods", [])
    ]


def seed_services(document: dict, teams: dict[str, Team], neighbourhoods: list[Neighbourhood]) -> list[Service]:
    terms = {
        entry["code"]: TaxonomyTerm.objects.update_or_create(code=entry["code"], defaults={"name": entry["name"]})[0]
        for entry in document.get("taxonomy", [])
    }
    locations = {}
    for entry in document.get("locations", []):
        fields = {k: v for k, v in entry.items() if k != "name"}
        locations[entry["name"]] = Location.objects.update_or_create(name=entry["name"], defaults=fields)[0]
    # The demo has one neighbourhood: every seeded team serves it.
    for team in teams.values():
        team.neighbourhoods.add(*neighbourhoods)
    people = {p.name: p for p in Practitioner.objects.filter(team__in=teams.values())}
    services = []
    for entry in document.get("services", []):
        links = {"organisation", "team", "taxonomy", "locations", "contacts", "name"}
        fields = {k: v for k, v in entry.items() if k not in links}
        fields["team"] = teams[entry["team"]] if entry.get("team") else None
        service, _ = Service.objects.update_or_create(
            organisation=Organisation.objects.get(name=entry["organisation"]), name=entry["name"], defaults=fields
        )
        service.taxonomy_terms.set([terms[code] for code in entry.get("taxonomy", [])])
        service.locations.set([locations[name] for name in entry.get("locations", [])])
        service.contacts.set([people[name] for name in entry.get("contacts", [])])
        service.neighbourhoods.set(neighbourhoods)
        services.append(service)
    return services
