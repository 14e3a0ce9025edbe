from django.urls import path

from . import views

app_name = "residents"

urlpatterns = [
    path("", views.search_residents, name="search"),
    path("<str:person_id>/", views.record, name="record"),
    path("<str:person_id>/timeline/", views.timeline, name="timeline"),
]
