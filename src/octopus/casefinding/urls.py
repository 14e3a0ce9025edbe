from django.urls import path

from . import views

app_name = "casefinding"

urlpatterns = [
    path("", views.index, name="index"),
    path("coverage/", views.coverage, name="coverage"),
    path("check-ins/<int:programme_id>/", views.programme, name="programme"),
    path("<str:name>/", views.case_list, name="list"),
    path("<str:name>/discharge-follow-up/", views.discharge_follow_up, name="discharge_follow_up"),
]
