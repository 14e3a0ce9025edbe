"""Directory search: free text for people, teams, services and organisations, narrowed by place.

"debt advice near W2" is read as words to match ("debt", "advice") and an area ("W2"). An area
is a postcode district or a neighbourhood name. Services and people that match every word are
ranked nearest first from the area's point (``places``), then by how well the words match (a word
in the name counts more than one in the description); those with no known location follow, if
they serve a neighbourhood that covers the area. Teams and organisations have no location of their
own: they are narrowed to those serving the area, best match first.
"""

import re
from dataclasses import dataclass, field
from functools import cached_property

from django.db.models import Q, QuerySet

from . import places
from .models import Neighbourhood, Organisation, Practitioner, Service, Team, postcode_district

STOP_WORDS = {"near", "in", "at", "for", "the", "and", "of", "a", "an", "to", "with", "around"}
TOKEN = re.compile(r"[\w'’-]+")


@dataclass
class Query:
    words: list[str] = field(default_factory=list)
    districts: list[str] = field(default_factory=list)
    neighbourhoods: list[Neighbourhood] = field(default_factory=list)

    @property
    def has_area(self) -> bool:
        return bool(self.districts or self.neighbourhoods)

    @cached_property
    def place(self) -> places.Place | None:
        """The point results are ranked from: the first district named, else the first neighbourhood."""
        for district in self.districts:
            if found := places.district_place(district):
                return found
        for neighbourhood in self.neighbourhoods:
            if found := places.neighbourhood_place(neighbourhood):
                return found
        return None

    def understood(self) -> str:
        """What the search was read as, in words: "Debt advice, nearest to W2 first"."""
        what = " ".join(self.words).capitalize() or "Everything"
        if place := self.place:
            return f"{what}, nearest to {place.label} first"
        if self.has_area:
            return f"{what}, in {', '.join(self.districts + [n.name for n in self.neighbourhoods])}"
        return what


def parse(text: str) -> Query:
    query = Query()
    remaining = text
    for neighbourhood in Neighbourhood.objects.all():
        # Longest first, so "Westminster INT" is taken whole before "Westminster".
        for label in sorted({neighbourhood.name, neighbourhood.borough_name}, key=len, reverse=True):
            if label and re.search(rf"\b{re.escape(label)}\b", remaining, re.IGNORECASE):
                query.neighbourhoods.append(neighbourhood)
                remaining = re.sub(rf"\b{re.escape(label)}\b", " ", remaining, flags=re.IGNORECASE)
    for token in TOKEN.findall(remaining):
        district = postcode_district(token) if re.search(r"\d", token) else ""
        if district:
            query.districts.append(district)
        elif token.lower() not in STOP_WORDS:
            query.words.append(token)
    return query


def _covers(neighbourhood: Neighbourhood, district: str) -> bool:
    # 'W1G' sits inside 'W1'; 'SW1P' inside 'SW1'.
    listed = neighbourhood.district_list()
    return district in listed or (district[-1].isalpha() and district[:-1] in listed)


def _area_neighbourhoods(query: Query) -> list[Neighbourhood]:
    found = list(query.neighbourhoods)
    for neighbourhood in Neighbourhood.objects.all():
        if any(_covers(neighbourhood, d) for d in query.districts) and neighbourhood not in found:
            found.append(neighbourhood)
    return found


def _all_words(queryset: QuerySet, words: list[str], fields: list[str]) -> QuerySet:
    for word in words:
        condition = Q()
        for name in fields:
            condition |= Q(**{f"{name}__icontains": word})
        queryset = queryset.filter(condition)
    return queryset.distinct()


SERVICE_FIELDS = [
    "name",
    "description",
    "taxonomy_terms__name",
    "organisation__name",
    "team__name",
    "contacts__given_name",
    "contacts__family_name",
]
PEOPLE_FIELDS = [
    "given_name",
    "family_name",
    "job_title",
    "team__name",
    "team__organisation__name",
    "services__name",
    "services__taxonomy_terms__name",
]
TEAM_FIELDS = ["name", "description", "organisation__name", "services__name", "services__taxonomy_terms__name"]
ORGANISATION_FIELDS = ["name", "description", "ods_code", "charity_number", "services__name"]


def _relevance(item, words: list[str], name_fields: tuple[str, ...]) -> int:
    names = " ".join(str(getattr(item, name, "") or "") for name in name_fields).lower()
    return sum(2 if word.lower() in names else 1 for word in words)


def _ranked(results: QuerySet, query: Query, points, name_fields: tuple[str, ...]) -> list:
    """Nearest first from the query's place, then best match, then name; distance_km set on each."""
    place = query.place
    items = list(results)
    for item in items:
        distances = (
            [
                places.distance_km(place.latitude, place.longitude, lat, lon)
                for lat, lon in points(item)
                if lat is not None and lon is not None
            ]
            if place
            else []
        )
        item.distance_km = min(distances) if distances else None
        item.relevance = _relevance(item, query.words, name_fields)
    return sorted(
        items, key=lambda item: (item.distance_km is None, item.distance_km or 0.0, -item.relevance, str(item))
    )


def _service_points(service):
    return [(location.latitude, location.longitude) for location in service.locations.all()]


def _person_points(person):
    return [
        (location.latitude, location.longitude)
        for service in person.services.all()
        for location in service.locations.all()
    ]


def _near_or_serving(results: QuerySet, query: Query, located: str, serving: str) -> QuerySet:
    """With a place to measure from, anything with a location stays (it is ranked by distance);
    without one, only what is in the districts or serves the area."""
    area = _area_neighbourhoods(query)
    if query.place is not None:
        return results.filter(Q(**{f"{located}__latitude__isnull": False}) | Q(**{f"{serving}__in": area})).distinct()
    in_district = (
        Q(**{f"{located}__district__in": query.districts})
        | Q(**{f"{located}__district__regex": rf"^({'|'.join(map(re.escape, query.districts))})[A-Z]?$"})
        if query.districts
        else Q(pk__in=[])
    )
    return results.filter(in_district | Q(**{f"{serving}__in": area})).distinct()


def _chosen(results: QuerySet, chosen: dict) -> QuerySet:
    return results.filter(**chosen).distinct() if chosen else results


def services(query: Query, chosen: dict | None = None) -> list:
    results = _all_words(Service.objects.exclude(status="defunct"), query.words, SERVICE_FIELDS)
    if query.has_area:
        results = _near_or_serving(results, query, "locations", "neighbourhoods")
    results = _chosen(results, chosen or {}).select_related("organisation").prefetch_related("contacts", "locations")
    return _ranked(results, query, _service_points, ("name",))


def practitioners(query: Query, chosen: dict | None = None) -> list:
    results = _all_words(Practitioner.objects.filter(active=True), query.words, PEOPLE_FIELDS)
    if query.has_area:
        results = _near_or_serving(results, query, "services__locations", "team__neighbourhoods")
    results = (
        _chosen(results, chosen or {}).select_related("team__organisation").prefetch_related("services__locations")
    )
    return _ranked(results, query, _person_points, ("given_name", "family_name", "job_title"))


def teams(query: Query, chosen: dict | None = None) -> list:
    results = _all_words(Team.objects.all(), query.words, TEAM_FIELDS)
    if query.has_area:
        results = results.filter(neighbourhoods__in=_area_neighbourhoods(query)).distinct()
    return _ranked(_chosen(results, chosen or {}).select_related("organisation"), query, lambda team: [], ("name",))


def organisations(query: Query, chosen: dict | None = None) -> list:
    results = _all_words(Organisation.objects.all(), query.words, ORGANISATION_FIELDS)
    if query.has_area:
        area = _area_neighbourhoods(query)
        results = results.filter(Q(teams__neighbourhoods__in=area) | Q(services__neighbourhoods__in=area)).distinct()
    return _ranked(_chosen(results, chosen or {}), query, lambda organisation: [], ("name",))


# How each filter on the search page reaches each kind of result.
FILTER_LOOKUPS = {
    "services": {
        "heart": "organisation__heart",
        "tier": "team__tier",
        "job_title": "contacts__job_title",
        "neighbourhood": "neighbourhoods__slug",
        "taxonomy": "taxonomy_terms__code",
    },
    "people": {
        "heart": "team__organisation__heart",
        "tier": "team__tier",
        "job_title": "job_title",
        "neighbourhood": "team__neighbourhoods__slug",
        "taxonomy": "services__taxonomy_terms__code",
    },
    "teams": {
        "heart": "organisation__heart",
        "tier": "tier",
        "job_title": "practitioners__job_title",
        "neighbourhood": "neighbourhoods__slug",
        "taxonomy": "services__taxonomy_terms__code",
    },
    "organisations": {
        "heart": "heart",
        "tier": "teams__tier",
        "job_title": "teams__practitioners__job_title",
        "neighbourhood": "teams__neighbourhoods__slug",
        "taxonomy": "services__taxonomy_terms__code",
    },
}
KINDS = {"services": services, "people": practitioners, "teams": teams, "organisations": organisations}


def search(text: str, filters: dict, kind: str, query: Query | None = None) -> list:
    """One kind of result, ranked, for the search text and the chosen filters (empty ones ignored)."""
    query = query or parse(text)
    chosen = {
        FILTER_LOOKUPS[kind][name]: value for name, value in filters.items() if value and name in FILTER_LOOKUPS[kind]
    }
    return KINDS[kind](query, chosen)
