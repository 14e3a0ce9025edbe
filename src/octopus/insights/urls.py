from django.urls import path

from .views import cost, impact, inequalities, model_card, overview, population_map, practices

app_name = "insights"

urlpatterns = [
    path("", overview.index, name="index"),
    path("cost/", cost.cost_concentration, name="cost"),
    path("capitation/", cost.capitation_page, name="capitation"),
    path("map/", population_map.population_map, name="population_map"),
    path("cohorts/", overview.cohorts, name="cohorts"),
    path("deprivation/", inequalities.deprivation, name="deprivation"),
    path("inequality/", inequalities.inequality, name="inequality"),
    path("life-expectancy/", inequalities.life_expectancy, name="life_expectancy"),
    path("practices/", practices.practices, name="practices"),
    path("impact/", impact.impact_page, name="impact"),
    path("model-card/", model_card.model_card, name="model_card"),
    path("model-card/calibration.png", model_card.calibration, name="calibration"),
]
