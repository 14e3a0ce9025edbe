from django.urls import path

from . import views

app_name = "meetings"

urlpatterns = [
    path("", views.index, name="index"),
    path("series/new/", views.series_create, name="series_create"),
    path("series/<int:series_id>/", views.series, name="series"),
    path("series/<int:series_id>/edit/", views.series_edit, name="series_edit"),
    path("series/<int:series_id>/plan/", views.series_plan, name="series_plan"),
    path("series/<int:series_id>/confidentiality/", views.confidentiality, name="confidentiality"),
    path("series/<int:series_id>/schedule/", views.schedule, name="schedule"),
    path("series/<int:series_id>/review/", views.review, name="review"),
    path("<int:meeting_id>/", views.meeting, name="meeting"),
    path("<int:meeting_id>/generate/", views.generate, name="generate"),
    path("<int:meeting_id>/add/", views.add_resident, name="add_resident"),
    path("<int:meeting_id>/publish/", views.publish, name="publish"),
    path("<int:meeting_id>/live/", views.live, name="live"),
    path("<int:meeting_id>/live/agenda/", views.live_agenda, name="live_agenda"),
    path("<int:meeting_id>/attendance/", views.attendance, name="attendance"),
    path("<int:meeting_id>/close/", views.close, name="close"),
    path("<int:meeting_id>/minutes/", views.minutes, name="minutes"),
    path("entries/<int:entry_id>/triage/", views.triage, name="triage"),
    path("entries/<int:entry_id>/consent/", views.consent, name="consent"),
    path("entries/<int:entry_id>/", views.discuss, name="discuss"),
    path("entries/<int:entry_id>/actions/", views.action, name="action"),
    path("care-homes/", views.care_homes, name="care_homes"),
    path("care-homes/<int:care_home_id>/", views.care_home, name="care_home"),
    path("care-homes/<int:care_home_id>/support/", views.care_home_support, name="care_home_support"),
    path("residents/<str:person_id>/thread/", views.thread, name="thread"),
]
