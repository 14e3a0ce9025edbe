"""Request-wide rules: every page needs a signed-in user, idle sessions end, a second factor
when the deployment requires one, and no page is cached or embeddable."""

import time

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.views import redirect_to_login
from django.shortcuts import redirect

# Paths that must work before sign-in. Everything else, including the API, needs a user.
# /governance/oidc/ is the CIS2 single sign-on callback (only routed when SSO is configured);
# /api/fhir/metadata is the FHIR CapabilityStatement, which clients read before they authorise.
PUBLIC_PREFIXES = (
    "/accounts/login/",
    "/static/",
    "/healthz",
    "/readyz",
    "/favicon.ico",
    "/governance/oidc/",
    "/api/fhir/metadata",
)
# Paths a signed-in user without a verified second factor may still reach.
TWO_FACTOR_EXEMPT = ("/governance/two-factor/", "/accounts/logout/", "/static/", "/healthz", "/readyz", "/favicon.ico")
IDLE_KEY = "octopus_last_seen"


class LoginRequiredMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if not request.user.is_authenticated and not request.path.startswith(PUBLIC_PREFIXES):
            if request.path.startswith("/api/"):
                from django.http import JsonResponse

                return JsonResponse({"detail": "Sign in required."}, status=401)
            return redirect_to_login(request.get_full_path(), settings.LOGIN_URL)
        return self.get_response(request)


IDLE_RESOLUTION_SECONDS = 60


class IdleTimeoutMiddleware:
    """Signs a user out after ``OCTOPUS_IDLE_TIMEOUT_MINUTES`` (30) without a request.

    Shared workstations in practices and community bases are the norm: a record left open on
    an unattended screen is the commonest way resident data is seen by the wrong person.
    Place after AuthenticationMiddleware and MessageMiddleware, before LoginRequiredMiddleware.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.user.is_authenticated:
            timeout = int(getattr(settings, "OCTOPUS_IDLE_TIMEOUT_MINUTES", 30)) * 60
            now = int(time.time())
            last_seen = request.session.get(IDLE_KEY)
            if last_seen is not None and now - int(last_seen) > timeout:
                request.octopus_logout_reason = f" (idle for more than {timeout // 60} minutes)"
                logout(request)
                messages.info(
                    request, "You were signed out because Octopus was not used for a while. Sign in again to carry on."
                )
                if request.path.startswith("/api/"):
                    from django.http import JsonResponse

                    return JsonResponse({"detail": "Session expired."}, status=401)
                return redirect_to_login(request.get_full_path(), settings.LOGIN_URL)
            # HTMX polling must not keep a session alive for an absent user. The last-seen time is
            # written at most once a minute: writing it on every request cost every page an UPDATE
            # of the session row (and its signing), and a timeout of 30 minutes loses nothing to a
            # resolution of one.
            if request.headers.get("HX-Trigger-Name") != "poll" and (
                last_seen is None or now - int(last_seen) >= IDLE_RESOLUTION_SECONDS
            ):
                request.session[IDLE_KEY] = now
        return self.get_response(request)


class TwoFactorMiddleware:
    """When ``OCTOPUS_REQUIRE_2FA`` is on, signed-in users must verify a TOTP code (django-otp).

    Users who have no device yet are sent to enrol; users with one, to enter a code. Place after
    django_otp's OTPMiddleware.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = request.user
        if (
            getattr(settings, "OCTOPUS_REQUIRE_2FA", False)
            and user.is_authenticated
            and not (hasattr(user, "is_verified") and user.is_verified())
            and not request.path.startswith(TWO_FACTOR_EXEMPT)
        ):
            from django_otp import user_has_device

            target = "governance:two-factor-verify" if user_has_device(user) else "governance:two-factor-setup"
            if request.method != "GET":
                return redirect(_reverse(target))
            from django.utils.http import urlencode

            return redirect(f"{_reverse(target)}?{urlencode({'next': request.get_full_path()})}")
        return self.get_response(request)


def _reverse(name: str) -> str:
    from django.urls import reverse

    return reverse(name)


class NoStoreMiddleware:
    """Pages carry resident data: browsers and proxies must not keep copies (shared PCs)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if not request.path.startswith("/static/"):
            response.setdefault("Cache-Control", "no-store")
        # No camera, microphone, location or payment APIs are ever needed.
        response.setdefault(
            "Permissions-Policy", "camera=(), microphone=(), geolocation=(self), payment=(), usb=(), interest-cohort=()"
        )
        response.setdefault("Cross-Origin-Resource-Policy", "same-origin")
        return response
