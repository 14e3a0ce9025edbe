from django.urls import path

from . import views

app_name = "virtualward"

urlpatterns = [
    path("", views.board, name="board"),
    path("board-rows/", views.board_rows, name="board_rows"),
    path("upload/", views.upload, name="upload"),
    path("residents/<str:person_id>/admit/", views.admit, name="admit"),
    path("admissions/<int:admission_id>/observe/", views.observe, name="observe"),
    path("admissions/<int:admission_id>/scale/", views.scale, name="scale"),
    path("admissions/<int:admission_id>/discharge/", views.discharge, name="discharge"),
    path("alerts/<int:alert_id>/<slug:step>/", views.alert_action, name="alert_action"),
]
