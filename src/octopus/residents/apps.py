from django.apps import AppConfig


class ResidentsConfig(AppConfig):
    name = "octopus.residents"
    label = "residents"
    verbose_name = "Residents"
