"""Directory search: free text for people, teams, services and organisations, narrowed by place.

"debt advice near W2" is read as words to match ("debt", "advice") and an area ("W2"). An area
is a postcode district or a neighbourhood name; it matches services delivered at a location in
that district or serving a neighbourhood that covers it, and people and teams serving it.
"""

import re
from dataclasses import dataclass, field

from django.db.models import Q, QuerySet

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


SERVICE_FIELDS = ["name", "description", "taxonomy_terms__name", "organisation__name", "team__name", "contacts__given_name", "contacts__family_name"]
PEOPLE_FIELDS = ["given_name", "family_name", "job_title", "team__name", "team__organisation__name", "services__name", "services__taxonomy_terms__name"]
TEAM_FIELDS = ["name", "description", "organisation__name", "services__name", "services__taxonomy_terms__name"]
ORGANISATION_FIELDS = ["name", "description", "ods_code", "charity_number", "services__name"]


def services(query: Query) -> QuerySet:
    results = _all_words(Service.objects.exclude(status="defunct"), query.words, SERVICE_FIELDS)
    if query.has_area:
        in_district = Q(locations__district__in=query.districts) | Q(
            locations__district__regex=rf"^({'|'.join(map(re.escape, query.districts))})[A-Z]?$"
        ) if query.districts else Q(pk__in=[])
        results = results.filter(in_district | Q(neighbourhoods__in=_area_neighbourhoods(query))).distinct()
    return results.select_related("organisation").prefetch_related("contacts", "locations")


def practitioners(query: Query) -> QuerySet:
    results = _all_words(Practitioner.objects.filter(active=True), query.words, PEOPLE_FIELDS)
    if query.has_area:
        area = _area_neighbourhoods(query)
        results = results.filter(Q(team__neighbourhoods__in=area) | Q(services__locations__district__in=query.districts)).distinct()
    return results.select_related("team__organisation")


def teams(query: Query) -> QuerySet:
    results = _all_words(Team.objects.all(), query.words, TEAM_FIELDS)
    if query.has_area:
        results = results.filter(neighbourhoods__in=_area_neighbourhoods(query)).distinct()
    return results.select_related("organisation")


def organisations(query: Query) -> QuerySet:
    results = _all_words(Organisation.objects.all(), query.words, ORGANISATION_FIELDS)
    if query.has_area:
        results = results.filter(
            Q(teams__neighbourhoods__in=_area_neighbourhoods(query)) | Q(services__neighbourhoods__in=_area_neighbourhoods(query))
        ).distinct()
    return results


# How each filter on the search page reaches each kind of result.
FILTER_LOOKUPS = {
    "services": {"heart": "organisation__heart", "tier": "team__tier", "job_title": "contacts__job_title",
                 "neighbourhood": "neighbourhoods__slug", "taxonomy": "taxonomy_terms__code"},
    "people": {"heart": "team__organisation__heart", "tier": "team__tier", "job_title": "job_title",
               "neighbourhood": "team__neighbourhoods__slug", "taxonomy": "services__taxonomy_terms__code"},
    "teams": {"heart": "organisation__heart", "tier": "tier", "job_title": "practitioners__job_title",
              "neighbourhood": "neighbourhoods__slug", "taxonomy": "services__taxonomy_terms__code"},
    "organisations": {"heart": "heart", "tier": "teams__tier", "job_title": "teams__practitioners__job_title",
                      "neighbourhood": "teams__neighbourhoods__slug", "taxonomy": "services__taxonomy_terms__code"},
}
KINDS = {"services": services, "people": practitioners, "teams": teams, "organisations": organisations}


def search(text: str, filters: dict, kind: str) -> QuerySet:
    """One kind of result for the search text and the chosen filters (empty filters are ignored)."""
    results = KINDS[kind](parse(text))
    chosen = {FILTER_LOOKUPS[kind][name]: value for name, value in filters.items() if value and name in FILTER_LOOKUPS[kind]}
    return results.filter(**chosen).distinct() if chosen else results
