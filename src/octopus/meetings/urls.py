from django.urls import path

from .views import care_homes, live, series, thread, worklist

app_name = "meetings"

urlpatterns = [
    path("", series.index, name="index"),
    path("series/new/", series.series_create, name="series_create"),
    path("series/<int:series_id>/", series.series, name="series"),
    path("series/<int:series_id>/edit/", series.series_edit, name="series_edit"),
    path("series/<int:series_id>/plan/", series.series_plan, name="series_plan"),
    path("series/<int:series_id>/confidentiality/", series.confidentiality, name="confidentiality"),
    path("series/<int:series_id>/schedule/", series.schedule, name="schedule"),
    path("series/<int:series_id>/review/", series.review, name="review"),
    path("<int:meeting_id>/", worklist.meeting, name="meeting"),
    path("<int:meeting_id>/generate/", worklist.generate, name="generate"),
    path("<int:meeting_id>/add/", worklist.add_resident, name="add_resident"),
    path("<int:meeting_id>/publish/", worklist.publish, name="publish"),
    path("<int:meeting_id>/live/", live.live, name="live"),
    path("<int:meeting_id>/live/agenda/", live.live_agenda, name="live_agenda"),
    path("<int:meeting_id>/attendance/", live.attendance, name="attendance"),
    path("<int:meeting_id>/close/", live.close, name="close"),
    path("<int:meeting_id>/minutes/", live.minutes, name="minutes"),
    path("entries/<int:entry_id>/triage/", worklist.triage, name="triage"),
    path("entries/<int:entry_id>/consent/", worklist.consent, name="consent"),
    path("entries/<int:entry_id>/", live.discuss, name="discuss"),
    path("entries/<int:entry_id>/actions/", live.action, name="action"),
    path("care-homes/", care_homes.care_homes, name="care_homes"),
    path("care-homes/<int:care_home_id>/", care_homes.care_home, name="care_home"),
    path("care-homes/<int:care_home_id>/support/", care_homes.care_home_support, name="care_home_support"),
    path("residents/<str:person_id>/thread/", thread.thread, name="thread"),
]
