"""Finding a resident and opening their joined-up record. Residents are reached only through
``governance.access``; every page that shows identifiable data is audited once."""

from django.core.paginator import Paginator
from django.shortcuts import render
from django.views.decorators.http import require_GET

from octopus.accounts.permissions import require
from octopus.care.presenters import care_summary
from octopus.governance import access, audit
from octopus.governance.presenters import break_glass_banner_context, consent_panel_context
from octopus.meetings.presenters import team_messages

from . import presenters, search


@require_GET
@require("view_residents")
def search_residents(request):
    query = request.GET.get("q", "").strip()
    parsed = search.parse(query)
    page = None
    if parsed:
        results = search.apply(access.residents_for(request.user), parsed).order_by("family_name", "given_name", "pk")
        page = Paginator(results, 25).get_page(request.GET.get("page"))
        audit.record(
            request.user, "search", f"Searched residents by {parsed.label}: {page.paginator.count} found", path=request.path
        )
    return render(request, "residents/search.jinja", {"query": query, "parsed": parsed, "page": page})


def _timeline_context(request, resident):
    return presenters.timeline(
        resident, request.GET.getlist("kind"), request.GET.get("page"), request.user.has_capability("view_clinical_detail")
    )


@require_GET
@require("view_residents")
def record(request, person_id: str):
    resident, basis = access.get_resident(request.user, person_id)

    def may_open(ids: list[int]) -> set[int]:
        return set(access.residents_for(request.user).filter(pk__in=ids).values_list("pk", flat=True))

    context = {
        "resident": resident,
        "basis": basis,
        "age": presenters.age(resident.date_of_birth),
        "household": presenters.household_members(resident, may_open),
        "clinical": access.may_see_clinical_detail(request.user, resident),
        "timeline": _timeline_context(request, resident),
        "care": care_summary(resident, request.user),
        "team_messages": team_messages(resident, request.user),
        **consent_panel_context(request.user, resident),
        **break_glass_banner_context(request.user, resident),
    }
    audit.record(request.user, "view", "Opened the resident's record", resident_id=resident.person_id, basis=basis, path=request.path)
    return render(request, "residents/record.jinja", context)


@require_GET
@require("view_residents")
def timeline(request, person_id: str):
    """The timeline alone, for the HTMX filter (and usable without JavaScript)."""
    resident, basis = access.get_resident(request.user, person_id)
    audit.record(request.user, "view", "Viewed the resident's timeline", resident_id=resident.person_id, basis=basis, path=request.path)
    return render(request, "residents/_timeline.jinja", {"resident": resident, "timeline": _timeline_context(request, resident)})
