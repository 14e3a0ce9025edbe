from django.urls import path

from .views import caseload, check_ins, death, inbox, plans, referrals, tiers

app_name = "care"

urlpatterns = [
    path("", caseload.caseload, name="caseload"),
    path("inbox/", inbox.inbox, name="inbox"),
    path("inbox/tasks/<int:task_id>/done/", inbox.task_done, name="task_done"),
    path("rising-risk/", caseload.rising_risk, name="rising_risk"),
    path("cases/<int:case_id>/close/", caseload.close_case, name="close_case"),
    path("referrals/", referrals.referrals, name="referrals"),
    path("referrals/<int:referral_id>/", referrals.referral, name="referral"),
    path("referrals/<int:referral_id>/<slug:action>/", referrals.referral_action, name="referral_action"),
    path("actions/<int:action_id>/status/", plans.action_status, name="action_status"),
    path("check-ins/<int:check_in_id>/outcome/", check_ins.check_in_complete, name="check_in_complete"),
    path("residents/<str:person_id>/add/", caseload.add_case, name="add_case"),
    path("residents/<str:person_id>/refer/", referrals.refer, name="refer"),
    path("residents/<str:person_id>/plan/", plans.plan, name="plan"),
    path("residents/<str:person_id>/plan/edit/", plans.plan_edit, name="plan_edit"),
    path("residents/<str:person_id>/plan/advance-care/", plans.advance_care, name="advance_care"),
    path("residents/<str:person_id>/plan/fhir/", plans.plan_fhir, name="plan_fhir"),
    path("residents/<str:person_id>/plan/print/", plans.plan_print, name="plan_print"),
    path("residents/<str:person_id>/tier/", tiers.tier, name="tier"),
    path("residents/<str:person_id>/check-ins/", check_ins.check_ins, name="check_ins"),
    path("residents/<str:person_id>/death/", death.death, name="death"),
]
