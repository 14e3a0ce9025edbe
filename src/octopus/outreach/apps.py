from django.apps import AppConfig


class OutreachConfig(AppConfig):
    name = "octopus.outreach"
    label = "outreach"
    verbose_name = "Outreach: CHWW rounds, households and doorstep visits"

    def ready(self):
        # The "outreach" relationship: a CHWW sees the outreach fields of households on their round.
        from . import relationships  # noqa: F401
