from django.apps import AppConfig


class MeetingsConfig(AppConfig):
    name = "octopus.meetings"
    label = "meetings"
    verbose_name = "Meetings: INCs, huddles and care-home MDTs"

    def ready(self):
        # The "meeting" relationship: attendees may open residents on their meetings' agendas.
        # The team messages section of the resident record page.
        from . import record_sections, relationships  # noqa: F401
