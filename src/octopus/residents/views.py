"""Finding a resident and opening their joined-up record. Residents are reached only through
``governance.access``; every page that shows identifiable data is audited once."""

from functools import partial

from django.core.paginator import Paginator
from django.shortcuts import render
from django.views.decorators.http import require_GET

from octopus.accounts.permissions import require
from octopus.governance import access, audit
from octopus.governance.presenters import break_glass_banner_context, consent_panel_context

from . import fields, presenters, search, sections


@require_GET
@require("view_residents")
def search_residents(request):
    query = request.GET.get("q", "").strip()
    parsed = search.parse(query)
    page, rows = None, []
    if parsed:
        results = search.apply(access.residents_for(request.user), parsed).order_by("family_name", "given_name", "pk")
        page = Paginator(results, 25).get_page(request.GET.get("page"))
        rows = fields.present_many(page.object_list, access.scopes_for(request.user, page.object_list))
        audit.record(
            request.user,
            "search",
            f"Searched residents by {parsed.label}: {page.paginator.count} found",
            path=request.path,
        )
        audit.record_appearances(
            request.user,
            f"Found by a resident search ({parsed.label})"[:300],
            [resident.person_id for resident in page.object_list],
            path=request.path,
        )
    return render(request, "residents/search.jinja", {"query": query, "parsed": parsed, "page": page, "rows": rows})


def _timeline_context(request, opened: access.OpenedRecord):
    # Event details are clinical detail: the scope decides, so a VCSE worker sees them only with
    # the resident's consent, whatever their role's capabilities say.
    return presenters.timeline(opened.resident, request.GET.getlist("kind"), request.GET.get("page"), opened.clinical)


@require_GET
@require("view_residents")
def record(request, person_id: str):
    opened = access.open_record(request, person_id)
    resident = opened.resident

    record_sections = sections.for_record(
        sections.RecordView(resident, request.user, opened.scope, opened.clinical), resident.is_deceased
    )
    context = {
        # Opened for the record, so the user may record consent decisions: no second access check.
        **consent_panel_context(request.user, resident, may_record=True),
        **break_glass_banner_context(request.user, resident),
        # The template gets the fields the scope allows, never the Resident itself.
        "resident": fields.present(resident, opened.scope),
        "basis": opened.basis,
        "household": presenters.household_members(resident, partial(access.with_openable, request.user)),
        "clinical": opened.clinical,
        "timeline": _timeline_context(request, opened),
        # Care, meetings and the virtual ward add their sections (and links) through the registry.
        "sections": record_sections,
        "data": record_sections.data,
    }
    return render(request, "residents/record.jinja", context)


@require_GET
@require("view_residents")
def timeline(request, person_id: str):
    """The timeline alone, for the HTMX filter (and usable without JavaScript)."""
    opened = access.open_record(request, person_id, "Viewed the resident's timeline")
    return render(
        request,
        "residents/_timeline.jinja",
        {
            "resident": fields.present(opened.resident, opened.scope),
            "timeline": _timeline_context(request, opened),
        },
    )
