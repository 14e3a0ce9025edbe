from django.urls import path

from . import views

app_name = "outreach"

urlpatterns = [
    path("", views.index, name="index"),
    path("residents/<str:person_id>/", views.resident, name="resident"),
    path("households/<int:allocation_id>/", views.household, name="household"),
    path("households/<int:allocation_id>/visit/", views.visit, name="visit"),
    path("sw.js", views.service_worker, name="service_worker"),
    path("households/<int:allocation_id>/introduce/<str:person_id>/", views.introduce, name="introduce"),
    path("rounds/", views.rounds, name="rounds"),
    path("supervision/", views.supervision_page, name="supervision"),
    path("plan/", views.plan_page, name="plan"),
    path("plan/jobs/<int:job_id>/", views.plan_job, name="plan_job"),
    path("plan/jobs/<int:job_id>/status/", views.plan_job_status, name="plan_job_status"),
    path("areas/", views.areas_page, name="areas"),
    path("rounds/new/", views.round_create, name="round_create"),
    path("rounds/<int:round_id>/", views.round_detail, name="round"),
    path("rounds/<int:round_id>/allocate/", views.allocate, name="allocate"),
    path("rounds/<int:round_id>/withdraw/", views.round_withdraw, name="round_withdraw"),
    path("allocations/<int:allocation_id>/withdraw/", views.allocation_withdraw, name="allocation_withdraw"),
]
