from django.apps import AppConfig


class WorkingGroupsConfig(AppConfig):
    name = "octopus.working_groups"
    label = "working_groups"
    verbose_name = "Working groups"
    default_auto_field = "django.db.models.BigAutoField"
