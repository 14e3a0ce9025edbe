from django.apps import AppConfig


class ApiConfig(AppConfig):
    name = "octopus.api"
    label = "api"
    verbose_name = "JSON API"
