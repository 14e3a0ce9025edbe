from django.apps import AppConfig


class GovernanceConfig(AppConfig):
    name = "octopus.governance"
    label = "governance"
    verbose_name = "Information governance"

    def ready(self):
        from django.db.models.signals import post_migrate

        from . import append_only, signals  # noqa: F401

        post_migrate.connect(append_only.restore_after_migrate, sender=self)
