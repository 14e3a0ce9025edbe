from django.db import connection
from django.http import Http404, JsonResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from .navigation import SECTIONS, sections_for


@require_GET
def home(request):
    """What this person can do here, by role; each domain adds its own 'needs attention' panel."""
    sections = sections_for(request.user, request.path)
    descriptions = {section.label: section for section in SECTIONS}
    return render(
        request,
        "core/home.jinja",
        {"sections": sections, "descriptions": descriptions, "roles": request.user.memberships.select_related("team__organisation")},
    )


ABOUT_PAGES = {"index", "privacy", "accessibility"}


@require_GET
def about(request, page: str = "index"):
    if page not in ABOUT_PAGES:
        raise Http404("No such page")
    return render(request, f"core/about_{page}.jinja")


@require_GET
def healthz(request):
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return JsonResponse({"status": "ok"})
