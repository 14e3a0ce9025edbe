from django.urls import path

from . import views

app_name = "casefinding"

urlpatterns = [
    path("", views.index, name="index"),
    path("coverage/", views.coverage, name="coverage"),
    path("check-ins/<int:programme_id>/", views.programme, name="programme"),
    path("<str:name>/", views.case_list, name="list"),
]
