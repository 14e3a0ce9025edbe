from django.urls import path

from . import editing, views

app_name = "directory"

urlpatterns = [
    path("", views.index, name="index"),
    path("organisations/<int:organisation_id>/", views.organisation, name="organisation"),
    path("teams/<int:team_id>/", views.team, name="team"),
    path("people/<int:practitioner_id>/", views.practitioner, name="practitioner"),
    path("services/<int:service_id>/", views.service, name="service"),
    path("neighbourhoods/", views.neighbourhood_list, name="neighbourhoods"),
    path("neighbourhoods/<slug:slug>/", views.neighbourhood, name="neighbourhood"),
    path("practices/<str:ods_code>/", views.practice, name="practice"),
    path("edit/<str:kind>/new/", editing.create, name="create"),
    path("edit/<str:kind>/<int:pk>/", editing.change, name="change"),
]
