"""Production: everything from the environment; nothing relaxed.

Octopus in production sits behind a TLS-terminating proxy (nginx, a load balancer) that sets
X-Forwarded-Proto. HTTPS is enforced here as well as at the proxy, so a misconfigured proxy
cannot quietly serve resident data over plain HTTP: plain requests are redirected, except the
health check (probes talk plain HTTP to the app port), and browsers are told to use HTTPS only
(HSTS, one year: the value NCSC and the HSTS preload list ask for).
"""

import os

os.environ.setdefault("OCTOPUS_SSL_REDIRECT", "true")
os.environ.setdefault("OCTOPUS_HSTS_SECONDS", str(365 * 24 * 60 * 60))
os.environ.setdefault("OCTOPUS_BEHIND_TLS_PROXY", "true")

from .base import *  # noqa: E402,F401,F403
from .environment import env_bool  # noqa: E402

# Paths as Django matches them, without the leading slash: the health and readiness probes stay
# plain HTTP.
SECURE_REDIRECT_EXEMPT = [r"^healthz$", r"^readyz$"]
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("OCTOPUS_HSTS_INCLUDE_SUBDOMAINS", False)

# Static files: hashed names (cached for a year by browsers, since a change makes a new name) and
# gzip copies, collected by `octopus serve` into the data folder and served by whitenoise from
# its in-memory index of files. The demo keeps serving straight from the app folders (no collect step).
STORAGES = {
    **STORAGES,  # noqa: F405
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}
WHITENOISE_USE_FINDERS = False
