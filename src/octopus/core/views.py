from django.db import connection
from django.http import Http404, JsonResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from .navigation import home_cards_for


@require_GET
def home(request):
    """What this person can do here, by role; each domain adds its own 'needs attention' panel."""
    return render(
        request,
        "core/home.jinja",
        {"cards": home_cards_for(request.user), "roles": request.user.memberships.select_related("team__organisation"),
         "waiting": request.user.membership_grants.filter(status="pending").select_related("team")},
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
