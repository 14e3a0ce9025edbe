from django.urls import path

from . import views

app_name = "insights"

urlpatterns = [
    path("", views.index, name="index"),
    path("cost/", views.cost_concentration, name="cost"),
    path("capitation/", views.capitation_page, name="capitation"),
    path("map/", views.population_map, name="population_map"),
    path("cohorts/", views.cohorts, name="cohorts"),
    path("deprivation/", views.deprivation, name="deprivation"),
    path("inequality/", views.inequality, name="inequality"),
    path("life-expectancy/", views.life_expectancy, name="life_expectancy"),
    path("practices/", views.practices, name="practices"),
    path("impact/", views.impact_page, name="impact"),
    path("model-card/", views.model_card, name="model_card"),
    path("model-card/calibration.png", views.calibration, name="calibration"),
]
