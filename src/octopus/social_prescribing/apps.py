from django.apps import AppConfig


class SocialPrescribingConfig(AppConfig):
    name = "octopus.social_prescribing"
    label = "social_prescribing"
    verbose_name = "Social prescribing"
    default_auto_field = "django.db.models.BigAutoField"
