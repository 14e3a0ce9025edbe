from django.urls import path

from . import views

app_name = "care"

urlpatterns = [
    path("", views.caseload, name="caseload"),
    path("inbox/", views.inbox, name="inbox"),
    path("inbox/tasks/<int:task_id>/done/", views.task_done, name="task_done"),
    path("rising-risk/", views.rising_risk, name="rising_risk"),
    path("cases/<int:case_id>/close/", views.close_case, name="close_case"),
    path("referrals/", views.referrals, name="referrals"),
    path("referrals/<int:referral_id>/", views.referral, name="referral"),
    path("referrals/<int:referral_id>/<slug:action>/", views.referral_action, name="referral_action"),
    path("actions/<int:action_id>/status/", views.action_status, name="action_status"),
    path("check-ins/<int:check_in_id>/outcome/", views.check_in_complete, name="check_in_complete"),
    path("residents/<str:person_id>/add/", views.add_case, name="add_case"),
    path("residents/<str:person_id>/refer/", views.refer, name="refer"),
    path("residents/<str:person_id>/plan/", views.plan, name="plan"),
    path("residents/<str:person_id>/plan/edit/", views.plan_edit, name="plan_edit"),
    path("residents/<str:person_id>/plan/advance-care/", views.advance_care, name="advance_care"),
    path("residents/<str:person_id>/plan/fhir/", views.plan_fhir, name="plan_fhir"),
    path("residents/<str:person_id>/plan/print/", views.plan_print, name="plan_print"),
    path("residents/<str:person_id>/tier/", views.tier, name="tier"),
    path("residents/<str:person_id>/check-ins/", views.check_ins, name="check_ins"),
    path("residents/<str:person_id>/death/", views.death, name="death"),
]
