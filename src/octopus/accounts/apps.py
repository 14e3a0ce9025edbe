from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "octopus.accounts"
    label = "accounts"
    verbose_name = "Accounts and roles"

    def ready(self):
        from . import roles

        roles.catalogue()  # fail at start-up, not on first request, if roles.yaml is malformed
