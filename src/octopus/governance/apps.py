from django.apps import AppConfig


class GovernanceConfig(AppConfig):
    name = "octopus.governance"
    label = "governance"
    verbose_name = "Information governance"

    def ready(self):
        from . import signals  # noqa: F401
