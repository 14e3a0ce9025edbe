from django.urls import path

from . import views

app_name = "working_groups"

urlpatterns = [
    path("", views.index, name="index"),
    path("<int:group_id>/", views.group, name="group"),
]
