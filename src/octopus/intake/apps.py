from django.apps import AppConfig


class IntakeConfig(AppConfig):
    name = "octopus.intake"
    label = "intake"
    verbose_name = "Partner data intake"
