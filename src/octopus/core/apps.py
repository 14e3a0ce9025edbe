from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "octopus.core"
    label = "core"
    verbose_name = "Octopus core"
