"""Single sign-on with NHS Care Identity Service 2 (CIS2), via mozilla-django-oidc.

Off by default. Setting ``OCTOPUS_OIDC_RP_CLIENT_ID`` turns it on, and then every other
``OCTOPUS_OIDC_*`` variable it needs must be set too (a missing one fails at start-up, naming
it). Kept free of Django imports so ``settings/base.py`` can call it while settings load.
"""

from collections.abc import Mapping

REQUIRED = (
    "OCTOPUS_OIDC_RP_CLIENT_ID",
    "OCTOPUS_OIDC_RP_CLIENT_SECRET",
    "OCTOPUS_OIDC_OP_AUTHORIZATION_ENDPOINT",
    "OCTOPUS_OIDC_OP_TOKEN_ENDPOINT",
    "OCTOPUS_OIDC_OP_USER_ENDPOINT",
    "OCTOPUS_OIDC_OP_JWKS_ENDPOINT",
)
BACKEND = "octopus.governance.oidc.CIS2Backend"


class OIDCConfigurationError(ValueError):
    pass


def oidc_settings(environ: Mapping[str, str]) -> dict:
    """The Django settings for CIS2 sign-in, or {} when it is not configured."""
    if not environ.get("OCTOPUS_OIDC_RP_CLIENT_ID"):
        return {}
    missing = [name for name in REQUIRED if not environ.get(name)]
    if missing:
        raise OIDCConfigurationError(
            "OCTOPUS_OIDC_RP_CLIENT_ID is set, so single sign-on is on, but these are missing: "
            + ", ".join(missing)
            + " (see docs/information-governance.md, 'Single sign-on')."
        )
    return {
        "OCTOPUS_OIDC_ENABLED": True,
        "OIDC_RP_CLIENT_ID": environ["OCTOPUS_OIDC_RP_CLIENT_ID"],
        "OIDC_RP_CLIENT_SECRET": environ["OCTOPUS_OIDC_RP_CLIENT_SECRET"],
        "OIDC_OP_AUTHORIZATION_ENDPOINT": environ["OCTOPUS_OIDC_OP_AUTHORIZATION_ENDPOINT"],
        "OIDC_OP_TOKEN_ENDPOINT": environ["OCTOPUS_OIDC_OP_TOKEN_ENDPOINT"],
        "OIDC_OP_USER_ENDPOINT": environ["OCTOPUS_OIDC_OP_USER_ENDPOINT"],
        "OIDC_OP_JWKS_ENDPOINT": environ["OCTOPUS_OIDC_OP_JWKS_ENDPOINT"],
        # CIS2 signs ID tokens with RS512; scopes ask for the user's roles and organisations.
        "OIDC_RP_SIGN_ALGO": environ.get("OCTOPUS_OIDC_RP_SIGN_ALGO", "RS512"),
        "OIDC_RP_SCOPES": environ.get(
            "OCTOPUS_OIDC_RP_SCOPES", "openid profile email nationalrbacaccess associatedorgs"
        ),
        # Accounts (and so roles) are made by an administrator; SSO only proves who someone is.
        "OIDC_CREATE_USER": False,
        "OIDC_USERNAME_CLAIM": environ.get("OCTOPUS_OIDC_USERNAME_CLAIM", "uid"),
        "OIDC_RENEW_ID_TOKEN_EXPIRY_SECONDS": 15 * 60,
        "LOGIN_REDIRECT_URL_FAILURE": "/accounts/login/",
        # The OIDC URLs live in the governance namespace (governance/urls.py).
        "OIDC_AUTHENTICATION_CALLBACK_URL": "governance:oidc_authentication_callback",
    }
