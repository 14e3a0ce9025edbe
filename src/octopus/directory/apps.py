from django.apps import AppConfig


class DirectoryConfig(AppConfig):
    name = "octopus.directory"
    label = "directory"
    verbose_name = "Team-of-teams directory"
