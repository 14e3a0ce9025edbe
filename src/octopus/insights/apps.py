from django.apps import AppConfig


class InsightsConfig(AppConfig):
    name = "octopus.insights"
    label = "insights"
    verbose_name = "Population insights"
