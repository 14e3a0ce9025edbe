"""The CIS2 authentication backend: match a smartcard identity to an existing Octopus account."""

from django.conf import settings
from mozilla_django_oidc.auth import OIDCAuthenticationBackend


class CIS2Backend(OIDCAuthenticationBackend):
    """Finds the account whose username is the CIS2 user id claim (set by the administrator)."""

    def filter_users_by_claims(self, claims):
        identifier = claims.get(settings.OIDC_USERNAME_CLAIM)
        if not identifier:
            return self.UserModel.objects.none()
        return self.UserModel.objects.filter(username__iexact=identifier, is_active=True)
