from django.db.models import Q
from django.shortcuts import get_object_or_404, render

from octopus.accounts.permissions import require

from .models import Organisation, Practitioner, Team


@require("view_directory")
def index(request):
    query = request.GET.get("q", "").strip()
    practitioners = teams = organisations = []
    if query:
        practitioners = Practitioner.objects.filter(
            Q(given_name__icontains=query) | Q(family_name__icontains=query) | Q(job_title__icontains=query)
        ).select_related("team__organisation")[:50]
        teams = Team.objects.filter(Q(name__icontains=query) | Q(description__icontains=query)).select_related("organisation")[:50]
        organisations = Organisation.objects.filter(name__icontains=query)[:50]
    return render(
        request,
        "directory/index.jinja",
        {"query": query, "practitioners": practitioners, "teams": teams, "organisations": organisations},
    )


@require("view_directory")
def team(request, team_id: int):
    team = get_object_or_404(Team.objects.select_related("organisation"), pk=team_id)
    return render(request, "directory/team.jinja", {"team": team, "practitioners": team.practitioners.filter(active=True)})
