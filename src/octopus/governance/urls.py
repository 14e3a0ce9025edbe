from django.conf import settings
from django.urls import include, path

from . import views

app_name = "governance"

urlpatterns = [
    path("break-glass/<str:person_id>/", views.break_glass, name="break-glass"),
    path("break-glass-reviews/", views.break_glass_queue, name="break-glass-queue"),
    path("break-glass-reviews/<int:grant_id>/", views.break_glass_review, name="break-glass-review"),
    path("access-approvals/", views.access_approvals, name="access-approvals"),
    path("access-approvals/<int:grant_id>/decide/", views.access_approval_decide, name="access-approval-decide"),
    path("audit/", views.audit_search, name="audit"),
    path("audit/verify/", views.audit_verify, name="audit-verify"),
    path("subject-access/", views.subject_access, name="subject-access"),
    path("subject-access/<str:person_id>/", views.subject_access_report, name="subject-access-report"),
    path("subject-access/<str:person_id>/csv/", views.subject_access_csv, name="subject-access-csv"),
    path("residents/<str:person_id>/consent/", views.consent_panel, name="consent-panel"),
    path("residents/<str:person_id>/consent/record/", views.consent_record, name="consent-record"),
    path("two-factor/setup/", views.two_factor_setup, name="two-factor-setup"),
    path("two-factor/verify/", views.two_factor_verify, name="two-factor-verify"),
]

if getattr(settings, "OCTOPUS_OIDC_ENABLED", False):
    # CIS2 single sign-on: /governance/oidc/authenticate/ and /governance/oidc/callback/.
    urlpatterns.append(path("oidc/", include("mozilla_django_oidc.urls")))
