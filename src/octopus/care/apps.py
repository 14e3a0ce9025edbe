from django.apps import AppConfig


class CareConfig(AppConfig):
    name = "octopus.care"
    label = "care"
    verbose_name = "Care coordination"

    def ready(self):
        # The caseload and referral relationships that let a practitioner open a record.
        # The sections it adds to the resident record page.
        from . import record_sections, relationships  # noqa: F401
