"""Finding people, teams and services: search, and one page per organisation, team, person, service, place."""

from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, render

from octopus.accounts.permissions import require

from . import search
from .forms import SearchForm
from .models import PCN, GPPractice, Neighbourhood, Organisation, Practitioner, Service, Team

PREVIEW = 5
PAGE_SIZE = 20
SECTION_TITLES = {"services": "Services", "people": "People", "teams": "Teams", "organisations": "Organisations"}


@require("view_directory")
def index(request):
    form = SearchForm(request.GET or None)
    text = form.cleaned_data.get("q", "") if form.is_valid() else ""
    kind = (form.cleaned_data.get("kind") if form.is_valid() else "") or "all"
    filters = form.filters()
    sections, page = [], None
    query = search.parse(text)
    if kind == "all":
        for name, title in SECTION_TITLES.items():
            results = search.search(text, filters, name, query)
            sections.append({"kind": name, "title": title, "count": len(results), "results": results[:PREVIEW]})
    else:
        page = Paginator(search.search(text, filters, kind, query), PAGE_SIZE).get_page(request.GET.get("page"))
        sections.append(
            {"kind": kind, "title": SECTION_TITLES[kind], "count": page.paginator.count, "results": list(page)}
        )
    context = {
        "form": form,
        "sections": sections,
        "page": page,
        "kind": kind,
        "query": text,
        "preview": PREVIEW,
        "understood": query.understood() if text else "",
    }
    # HTMX swaps only the results, so filters update them in place without losing focus.
    template = "directory/_results.jinja" if request.headers.get("HX-Request") else "directory/index.jinja"
    return render(request, template, context)


@require("view_directory")
def organisation(request, organisation_id: int):
    organisation = get_object_or_404(Organisation, pk=organisation_id)
    return render(
        request,
        "directory/organisation.jinja",
        {
            "organisation": organisation,
            "teams": organisation.teams.all(),
            "services": organisation.services.exclude(status="defunct"),
        },
    )


@require("view_directory")
def team(request, team_id: int):
    team = get_object_or_404(Team.objects.select_related("organisation"), pk=team_id)
    return render(
        request,
        "directory/team.jinja",
        {
            "team": team,
            "practitioners": team.practitioners.filter(active=True),
            "services": team.services.all(),
            "neighbourhoods": team.neighbourhoods.all(),
        },
    )


@require("view_directory")
def practitioner(request, practitioner_id: int):
    person = get_object_or_404(Practitioner.objects.select_related("team__organisation"), pk=practitioner_id)
    return render(
        request,
        "directory/practitioner.jinja",
        {"person": person, "services": person.services.select_related("organisation")},
    )


@require("view_directory")
def service(request, service_id: int):
    service = get_object_or_404(Service.objects.select_related("organisation", "team"), pk=service_id)
    return render(
        request,
        "directory/service.jinja",
        {
            "service": service,
            "contacts": service.contacts.filter(active=True).select_related("team"),
            "locations": service.locations.all(),
            "terms": service.taxonomy_terms.all(),
            "neighbourhoods": service.neighbourhoods.all(),
        },
    )


@require("view_directory")
def neighbourhood_list(request):
    return render(request, "directory/neighbourhood_list.jinja", {"neighbourhoods": Neighbourhood.objects.all()})


@require("view_directory")
def neighbourhood(request, slug: str):
    place = get_object_or_404(Neighbourhood, slug=slug)
    practices = place.practices.select_related("pcn").order_by("pcn__name", "name")
    pcns = PCN.objects.filter(practices__neighbourhoods=place).distinct()
    return render(
        request,
        "directory/neighbourhood.jinja",
        {
            "place": place,
            "practices": practices,
            "pcns": pcns,
            "lsoa_count": place.lsoas.count(),
            "ward_names": sorted(set(place.lsoas.values_list("ward_name", flat=True))),
            "teams": place.teams.select_related("organisation"),
        },
    )


@require("view_directory")
def practice(request, ods_code: str):
    practice = get_object_or_404(GPPractice.objects.select_related("pcn"), ods_code=ods_code.upper())
    return render(
        request, "directory/practice.jinja", {"practice": practice, "neighbourhoods": practice.neighbourhoods.all()}
    )
