from django.urls import path

from .views import areas, day, households, plans, rounds, service_worker, supervision

app_name = "outreach"

urlpatterns = [
    path("", day.index, name="index"),
    path("residents/<str:person_id>/", households.resident, name="resident"),
    path("households/<int:allocation_id>/", households.household, name="household"),
    path("households/<int:allocation_id>/visit/", households.visit, name="visit"),
    path("sw.js", service_worker.service_worker, name="service_worker"),
    path("households/<int:allocation_id>/introduce/<str:person_id>/", households.introduce, name="introduce"),
    path("rounds/", rounds.rounds, name="rounds"),
    path("supervision/", supervision.supervision_page, name="supervision"),
    path("plan/", plans.plan_page, name="plan"),
    path("plan/jobs/<int:job_id>/", plans.plan_job, name="plan_job"),
    path("plan/jobs/<int:job_id>/status/", plans.plan_job_status, name="plan_job_status"),
    path("areas/", areas.areas_page, name="areas"),
    path("rounds/new/", rounds.round_create, name="round_create"),
    path("rounds/<int:round_id>/", rounds.round_detail, name="round"),
    path("rounds/<int:round_id>/allocate/", rounds.allocate, name="allocate"),
    path("rounds/<int:round_id>/withdraw/", rounds.round_withdraw, name="round_withdraw"),
    path("allocations/<int:allocation_id>/withdraw/", rounds.allocation_withdraw, name="allocation_withdraw"),
]
