from django.apps import AppConfig


class SocialPrescribingConfig(AppConfig):
    name = "octopus.social_prescribing"
    label = "social_prescribing"
    verbose_name = "Social prescribing"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        # The frontline findings dashboard (the community app, decision 0043) counts the needs
        # social prescribing finds; it is built on another branch, so wire up only when present.
        try:
            from octopus.community import findings as dashboard
        except ImportError:
            return
        from . import findings

        dashboard.register(findings.findings)
