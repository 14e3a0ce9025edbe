"""Settings shared by every environment. Values come from OCTOPUS_* environment variables.

The defaults are the safe production ones (DEBUG off, secure cookies, secret key required);
``demo`` and ``test`` relax only what a laptop without TLS needs.
"""

import os
from pathlib import Path

from csp.constants import NONCE, NONE, SELF

from .database import database_from_url
from .environment import env, env_bool, env_float, env_int, env_list

PACKAGE_DIR = Path(__file__).resolve().parent.parent
# Everything Octopus writes (SQLite database, DuckDB files, snapshots, feed deliveries) lives
# under one folder so that a backup or a fresh start is one directory.
DATA_DIR = Path(env("OCTOPUS_DATA_DIR", str(Path.cwd() / "var"))).resolve()

SECRET_KEY = env("OCTOPUS_SECRET_KEY", required=True)
DEBUG = env_bool("OCTOPUS_DEBUG", False)
ALLOWED_HOSTS = env_list("OCTOPUS_ALLOWED_HOSTS", ["localhost", "127.0.0.1"])
CSRF_TRUSTED_ORIGINS = env_list("OCTOPUS_CSRF_TRUSTED_ORIGINS", [])

NEIGHBOURHOOD_NAME = env("OCTOPUS_NEIGHBOURHOOD_NAME", "Westminster Integrated Neighbourhood Team")

DATABASES = {"default": database_from_url(env("OCTOPUS_DATABASE_URL", f"sqlite:///{DATA_DIR / 'octopus.sqlite3'}"))}

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_htmx",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_tasks",
    "django_tasks_db",
    "octopus.core",
    "octopus.accounts",
    "octopus.directory",
    "octopus.governance",
    "octopus.residents",
    "octopus.care",
    "octopus.virtualward",
    "octopus.meetings",
    "octopus.outreach",
    "octopus.community",
    "octopus.casefinding",
    "octopus.api",
    "octopus.insights",
    "octopus.intake",
    "octopus.social_prescribing",
    "octopus.working_groups",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "octopus.core.middleware.IdleTimeoutMiddleware",
    "octopus.api.middleware.ServiceAccountMiddleware",
    "octopus.core.middleware.LoginRequiredMiddleware",
    "octopus.core.middleware.TwoFactorMiddleware",
    "octopus.core.middleware.NoStoreMiddleware",
]

ROOT_URLCONF = "octopus.urls"
WSGI_APPLICATION = "octopus.wsgi.application"

TEMPLATES = [
    {
        # Octopus pages: Jinja2 with the NHS.UK frontend macros (nhsuk-frontend-jinja).
        "BACKEND": "django.template.backends.jinja2.Jinja2",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "environment": "octopus.core.jinja.environment",
            "context_processors": ["octopus.core.context.shell"],
        },
    },
    {
        # Django's own admin keeps its templates.
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ]
        },
    },
]

AUTH_USER_MODEL = "accounts.User"
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

# Throttling first: a locked username+address is refused before any password is checked.
AUTHENTICATION_BACKENDS = ["octopus.governance.throttle.ThrottlingBackend"]
OCTOPUS_SIGN_IN_MAX_FAILURES = env_int("OCTOPUS_SIGN_IN_MAX_FAILURES", 5)
OCTOPUS_SIGN_IN_LOCK_MINUTES = env_int("OCTOPUS_SIGN_IN_LOCK_MINUTES", 15)
# Failures from one address, whatever the usernames, before the address is locked (spraying).
OCTOPUS_SIGN_IN_MAX_FAILURES_PER_ADDRESS = env_int("OCTOPUS_SIGN_IN_MAX_FAILURES_PER_ADDRESS", 20)

# A second factor (TOTP, django-otp). Off by default for the laptop demo; on in production
# unless single sign-on (CIS2 smartcard or authenticator) already provides a second factor.
OCTOPUS_REQUIRE_2FA = env_bool("OCTOPUS_REQUIRE_2FA", False)
OTP_TOTP_ISSUER = "Octopus"

# Single sign-on with NHS CIS2 (mozilla-django-oidc): on only when OCTOPUS_OIDC_* are set.
from octopus.governance.oidc_settings import BACKEND as _OIDC_BACKEND  # noqa: E402
from octopus.governance.oidc_settings import oidc_settings as _oidc_settings  # noqa: E402

_OIDC = _oidc_settings(os.environ)
OCTOPUS_OIDC_ENABLED = bool(_OIDC)
if _OIDC:
    globals().update(_OIDC)
    INSTALLED_APPS.append("mozilla_django_oidc")
    AUTHENTICATION_BACKENDS.append(_OIDC_BACKEND)

# WEMWBS (14 items) needs a licence from Warwick Medical School; offered only when the INT has one
# (SWEMWBS and ONS4 are always offered). docs/configuration.md.
OCTOPUS_WEMWBS_LICENSED = env_bool("OCTOPUS_WEMWBS_LICENSED", False)
# Break glass: how long a grant to one resident lasts.
OCTOPUS_BREAK_GLASS_HOURS = env_float("OCTOPUS_BREAK_GLASS_HOURS", 4)
# The key for analysts' pseudonyms (keyed HMAC); generated in the data folder for the demo.
OCTOPUS_PSEUDONYMISATION_KEY = env("OCTOPUS_PSEUDONYMISATION_KEY")
# The audit key ring and signed checkpoints, outside the database (decision 0019). Point it at
# storage the database administrators cannot write; it is left out of `octopus backup`.
OCTOPUS_AUDIT_DIR = Path(env("OCTOPUS_AUDIT_DIR", str(DATA_DIR / "audit"))).resolve()
# Sign out after this many minutes without a request (IdleTimeoutMiddleware).
OCTOPUS_IDLE_TIMEOUT_MINUTES = env_int("OCTOPUS_IDLE_TIMEOUT_MINUTES", 30)

PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 12}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en-gb"
TIME_ZONE = "Europe/London"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = DATA_DIR / "static"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
# Serve straight from the app folders: the demo needs no collectstatic step.
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = DEBUG

# Sessions: a shared workstation in a practice is the norm, so sessions end with the browser
# and after 8 hours of any use; idle sessions expire after 30 minutes of no requests.
SESSION_COOKIE_AGE = 8 * 60 * 60
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_SECURE = env_bool("OCTOPUS_SECURE_COOKIES", True)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
CSRF_COOKIE_HTTPONLY = True
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SECURE_SSL_REDIRECT = env_bool("OCTOPUS_SSL_REDIRECT", False)
SECURE_HSTS_SECONDS = env_int("OCTOPUS_HSTS_SECONDS", 0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = SECURE_HSTS_SECONDS > 0
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https") if env_bool("OCTOPUS_BEHIND_TLS_PROXY", False) else None
SESSION_SAVE_EVERY_REQUEST = False
# Never echo request data into error pages, even if DEBUG is switched on by mistake.
DEFAULT_EXCEPTION_REPORTER_FILTER = "django.views.debug.SafeExceptionReporterFilter"

# A strict Content-Security-Policy: no inline scripts or styles except the NHS.UK template's
# one-line "js-enabled" script, which carries a per-request nonce.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF, NONCE],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
        "base-uri": [SELF],
        "object-src": [NONE],
    }
}

TASKS = {"default": {"BACKEND": "django_tasks_db.backend.DatabaseBackend"}}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    # Every handler redacts NHS numbers and postcodes (octopus.governance.redaction).
    "filters": {"redact_identifiers": {"()": "octopus.governance.redaction.RedactIdentifiers"}},
    "handlers": {
        "console": {"class": "logging.StreamHandler", "formatter": "plain", "filters": ["redact_identifiers"]}
    },
    "root": {"handlers": ["console"], "level": env("OCTOPUS_LOG_LEVEL", "INFO")},
    "loggers": {
        # Request logs can carry resident identifiers in URLs and query strings.
        "django.request": {"level": "ERROR"},
        "django.server": {"level": "WARNING"},
    },
}

# API pagination bounds: unbounded offsets reach the database as out-of-range integers
# (found by schemathesis: SQLite answers "datatype mismatch").
NINJA_PAGINATION_PER_PAGE = 50
NINJA_PAGINATION_MAX_LIMIT = 500
NINJA_PAGINATION_MAX_OFFSET = 10_000_000  # applied by octopus.api.pagination
