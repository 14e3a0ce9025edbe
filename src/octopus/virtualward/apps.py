from django.apps import AppConfig


class VirtualWardConfig(AppConfig):
    name = "octopus.virtualward"
    label = "virtualward"
    verbose_name = "Virtual ward"

    def ready(self):
        # The ward relationship: the responsible team may open the records of the residents it monitors.
        # The "Admit to the virtual ward" link on the resident record page.
        from . import record_sections, relationships  # noqa: F401
