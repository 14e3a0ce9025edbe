from django.apps import AppConfig


class CasefindingConfig(AppConfig):
    name = "octopus.casefinding"
    label = "casefinding"
    verbose_name = "Case-finding lists"

    def ready(self):
        # The "practice" relationship: GP practice (and PCN) staff and their registered residents.
        from . import relationships  # noqa: F401
