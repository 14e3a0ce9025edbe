from django.urls import path

from . import pipeline_views, review_views, views

app_name = "intake"

urlpatterns = [
    path("", views.index, name="index"),
    path("upload/", views.upload, name="upload"),
    path("quarantine/", views.quarantine, name="quarantine"),
    path("quarantine.csv", views.quarantine_csv, name="quarantine-csv"),
    path("linkage/", review_views.overview, name="linkage"),
    path("linkage/run/", review_views.link_now, name="link-now"),
    path("linkage/status/", review_views.linkage_status, name="linkage-status"),
    path("pipeline/run/", pipeline_views.run, name="pipeline-run"),
    path("pipeline/status/", pipeline_views.status, name="pipeline-status"),
    path("review/", review_views.queue, name="review"),
    path("review/<str:pair_id>/", review_views.pair, name="pair"),
    path("review/<str:pair_id>/decide/", review_views.decide_pair, name="decide"),
]
