from django.urls import path

from . import views

app_name = "community"

urlpatterns = [
    path("drop-ins/", views.index, name="index"),
    path("drop-ins/new/", views.session_create, name="session_create"),
    path("drop-ins/<int:session_id>/", views.session_detail, name="session"),
    path("drop-ins/<int:session_id>/attendees/<int:attendee_id>/introduce/", views.introduce, name="introduce"),
    path("drop-ins/introductions/<int:introduction_id>/", views.introduction_status, name="introduction_status"),
    path("drop-ins/locations/<int:location_id>/", views.location_month, name="location_month"),
    path("findings/", views.findings_dashboard, name="findings"),
]
