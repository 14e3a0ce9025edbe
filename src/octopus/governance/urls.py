from django.conf import settings
from django.urls import include, path

from .views import access_approvals, audit_log, break_glass, consent, subject_access, two_factor

app_name = "governance"

urlpatterns = [
    path("break-glass/<str:person_id>/", break_glass.break_glass, name="break-glass"),
    path("break-glass-reviews/", break_glass.break_glass_queue, name="break-glass-queue"),
    path("break-glass-reviews/<int:grant_id>/", break_glass.break_glass_review, name="break-glass-review"),
    path("access-approvals/", access_approvals.access_approvals, name="access-approvals"),
    path(
        "access-approvals/<int:grant_id>/decide/",
        access_approvals.access_approval_decide,
        name="access-approval-decide",
    ),
    path("audit/", audit_log.audit_search, name="audit"),
    path("audit/verify/", audit_log.audit_verify, name="audit-verify"),
    path("subject-access/", subject_access.subject_access, name="subject-access"),
    path("subject-access/<str:person_id>/", subject_access.subject_access_report, name="subject-access-report"),
    path("subject-access/<str:person_id>/csv/", subject_access.subject_access_csv, name="subject-access-csv"),
    path("residents/<str:person_id>/consent/", consent.consent_panel, name="consent-panel"),
    path("residents/<str:person_id>/consent/record/", consent.consent_record, name="consent-record"),
    path("two-factor/setup/", two_factor.two_factor_setup, name="two-factor-setup"),
    path("two-factor/verify/", two_factor.two_factor_verify, name="two-factor-verify"),
]

if getattr(settings, "OCTOPUS_OIDC_ENABLED", False):
    # CIS2 single sign-on: /governance/oidc/authenticate/ and /governance/oidc/callback/.
    urlpatterns.append(path("oidc/", include("mozilla_django_oidc.urls")))
