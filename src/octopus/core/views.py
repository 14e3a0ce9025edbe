from django.http import Http404, JsonResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from . import health
from .navigation import home_cards_for


@require_GET
def home(request):
    """What this person can do here, by role; each domain adds its own 'needs attention' panel."""
    return render(
        request,
        "core/home.jinja",
        {
            "cards": home_cards_for(request.user),
            "roles": request.user.memberships.select_related("team__organisation"),
            "waiting": request.user.membership_grants.filter(status="pending").select_related("team"),
        },
    )


ABOUT_PAGES = {"index", "privacy", "accessibility"}


@require_GET
def about(request, page: str = "index"):
    if page not in ABOUT_PAGES:
        raise Http404("No such page")
    return render(request, f"core/about_{page}.jinja")


@require_GET
def healthz(request):
    """Liveness: the process answers (octopus.core.health says why the database is not asked)."""
    return JsonResponse({"status": "ok"})


@require_GET
def readyz(request):
    """Readiness: the database answers, migrations are applied, a snapshot is published."""
    checks = health.readiness()
    ready = all(checks.values())
    response = JsonResponse(
        {"status": "ready" if ready else "not ready", "checks": checks}, status=200 if ready else 503
    )
    if not ready:
        response["Retry-After"] = "10"
    return response
