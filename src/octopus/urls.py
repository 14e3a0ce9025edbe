from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from octopus.accounts.urls import administration_urlpatterns
from octopus.api.docs import docs as api_docs
from octopus.api.endpoints import api

handler403 = "octopus.core.errors.permission_denied"
handler404 = "octopus.core.errors.not_found"
handler500 = "octopus.core.errors.server_error"


class SignOutView(auth_views.LogoutView):
    """Sign-out also tells the browser to delete what it keeps for this site: the CHWW's saved
    households, drafts and unsent visits (decision 0030; docs/information-governance.md)."""

    def post(self, request, *args, **kwargs):
        response = super().post(request, *args, **kwargs)
        response["Clear-Site-Data"] = '"cache", "storage"'
        return response


urlpatterns = [
    path(
        "accounts/login/",
        auth_views.LoginView.as_view(template_name="registration/login.jinja", redirect_authenticated_user=True),
        name="login",
    ),
    path("accounts/logout/", SignOutView.as_view(), name="logout"),
    path("accounts/", include("octopus.accounts.urls")),
    path("administration/", include(administration_urlpatterns)),
    path("directory/", include("octopus.directory.urls")),
    path("residents/", include("octopus.residents.urls")),
    path("caseload/", include("octopus.care.urls")),
    path("virtual-ward/", include("octopus.virtualward.urls")),
    path("meetings/", include("octopus.meetings.urls")),
    path("outreach/", include("octopus.outreach.urls")),
    path("community/", include("octopus.community.urls")),
    path("case-finding/", include("octopus.casefinding.urls")),
    path("governance/", include("octopus.governance.urls")),
    path("population/", include("octopus.insights.urls")),
    path("intake/", include("octopus.intake.urls")),
    path("social-prescribing/", include("octopus.social_prescribing.urls")),
    path("working-groups/", include("octopus.working_groups.urls")),
    path("api/docs/", api_docs, name="api-docs"),
    path("api/fhir/", include("octopus.api.fhir.urls")),
    path("api/", api.urls),
    path("django-admin/", admin.site.urls),
    path("", include("octopus.core.urls")),
]
