from django.urls import path

from . import views

app_name = "social_prescribing"

urlpatterns = [
    path("", views.caseload, name="caseload"),
    path("outcomes/", views.outcomes_page, name="outcomes"),
    path("residents/<str:person_id>/", views.resident, name="resident"),
]
