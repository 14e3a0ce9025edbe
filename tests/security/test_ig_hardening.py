"""Hardening: sign-in throttling, idle timeout, second factor, SSO settings, headers, logs."""

import io
import logging
import os
import subprocess
import sys
import time

import pytest
from django.urls import reverse

from octopus.governance.models import AuditEvent

pytestmark = pytest.mark.django_db


def _fail(client, username, times=1):
    for _ in range(times):
        client.post(reverse("login"), {"username": username, "password": "wrong-password"})


def test_sign_in_locks_after_five_failures_and_is_audited(client, make_user):
    make_user("clinician", username="nurse")
    _fail(client, "nurse", 5)
    response = client.post(reverse("login"), {"username": "nurse", "password": "pw-for-tests-only"})
    assert response.status_code == 200, "the right password must not get in while locked"
    assert "_auth_user_id" not in client.session
    assert AuditEvent.objects.filter(action="sign_in_locked").count() == 1


def test_lock_message_is_the_same_for_unknown_usernames(client, make_user):
    make_user("clinician", username="nurse")
    _fail(client, "nurse", 5)
    _fail(client, "nobody", 5)
    known = client.post(reverse("login"), {"username": "nurse", "password": "x"}).content.decode()
    unknown = client.post(reverse("login"), {"username": "nobody", "password": "x"}).content.decode()
    strip = lambda html: html.replace("nurse", "").replace("nobody", "")  # noqa: E731
    import re

    nonce = re.compile(r'(nonce|value)="[^"]*"')
    assert nonce.sub("", strip(known)) == nonce.sub("", strip(unknown))


def test_lock_is_per_address_and_expires(client, make_user, settings):
    from datetime import timedelta

    from django.utils import timezone

    from octopus.governance.models import SignInFailure

    make_user("clinician", username="nurse")
    _fail(client, "nurse", 5)
    other = client.post(
        reverse("login"), {"username": "nurse", "password": "pw-for-tests-only"}, REMOTE_ADDR="10.0.0.9"
    )
    assert other.status_code == 302
    client.logout()
    SignInFailure.objects.update(occurred_at=timezone.now() - timedelta(minutes=16))
    assert client.post(reverse("login"), {"username": "nurse", "password": "pw-for-tests-only"}).status_code == 302


def test_successful_sign_in_clears_failures(client, make_user):
    make_user("clinician", username="nurse")
    _fail(client, "nurse", 4)
    assert client.post(reverse("login"), {"username": "nurse", "password": "pw-for-tests-only"}).status_code == 302
    client.logout()
    _fail(client, "nurse", 4)
    assert client.post(reverse("login"), {"username": "nurse", "password": "pw-for-tests-only"}).status_code == 302


def test_idle_session_is_signed_out_and_audited(client, make_user, settings):
    from octopus.core.middleware import IDLE_KEY

    client.force_login(make_user("clinician"))
    assert client.get("/").status_code == 200
    session = client.session
    session[IDLE_KEY] = int(time.time()) - 31 * 60
    session.save()
    response = client.get("/")
    assert response.status_code == 302 and response["Location"].startswith(reverse("login"))
    assert AuditEvent.objects.filter(action="sign_out", summary__contains="idle").exists()
    assert client.get("/").status_code == 302


def test_active_session_is_not_signed_out(client, make_user):
    from octopus.core.middleware import IDLE_KEY

    client.force_login(make_user("clinician"))
    client.get("/")
    session = client.session
    session[IDLE_KEY] = int(time.time()) - 29 * 60
    session.save()
    assert client.get("/").status_code == 200


def test_two_factor_required_enrol_then_verify(client, make_user, settings):
    from django_otp.oath import totp
    from django_otp.plugins.otp_totp.models import TOTPDevice

    settings.OCTOPUS_REQUIRE_2FA = True
    settings.OTP_TOTP_THROTTLE_FACTOR = 0  # django-otp slows retries after a wrong code
    user = make_user("clinician")
    client.force_login(user)
    response = client.get("/")
    assert response.status_code == 302 and response["Location"].startswith(reverse("governance:two-factor-setup"))
    page = client.get(reverse("governance:two-factor-setup"))
    assert 'src="data:image/svg+xml;base64,' in page.content.decode()
    device = TOTPDevice.objects.get(user=user)
    # A wrong code: the device also accepts the codes of the steps either side of now (tolerance),
    # so a code is wrong only if it is none of them.
    accepted = {
        totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits, drift=drift)
        for drift in range(-device.tolerance - 1, device.tolerance + 2)
    }
    wrong = f"{next(n for n in range(10) if n not in accepted):06d}"
    assert client.post(reverse("governance:two-factor-setup"), {"token": wrong}).status_code == 200
    token = f"{totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits):06d}"
    assert client.post(reverse("governance:two-factor-setup"), {"token": token}).status_code == 302
    assert client.get("/").status_code == 200
    # A new session must verify with the enrolled device.
    client.logout()
    client.force_login(user)
    response = client.get("/")
    assert response["Location"].startswith(reverse("governance:two-factor-verify"))


def test_two_factor_off_by_default(client, make_user):
    client.force_login(make_user("clinician"))
    assert client.get("/").status_code == 200


def test_security_headers(client, make_user):
    client.force_login(make_user("clinician"))
    response = client.get("/")
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"
    assert "camera=()" in response["Permissions-Policy"]
    assert "frame-ancestors 'none'" in response["Content-Security-Policy"]
    assert response["Cache-Control"] == "no-store"


def test_session_and_csrf_cookie_settings_are_strict_in_production_defaults():
    code = (
        "import os; os.environ.pop('OCTOPUS_SECURE_COOKIES', None); os.environ['OCTOPUS_SECRET_KEY']='x'*50;"
        "import octopus.settings.production as s;"
        "assert s.SESSION_COOKIE_SECURE and s.CSRF_COOKIE_SECURE and s.SESSION_COOKIE_HTTPONLY;"
        "assert s.SESSION_EXPIRE_AT_BROWSER_CLOSE and not s.DEBUG and s.X_FRAME_OPTIONS == 'DENY';"
        "assert s.OCTOPUS_IDLE_TIMEOUT_MINUTES == 30 and not s.OCTOPUS_OIDC_ENABLED;"
        "assert 'django.middleware.csrf.CsrfViewMiddleware' in s.MIDDLEWARE"
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith("OCTOPUS_OIDC")}
    env["PYTHONPATH"] = "src"
    subprocess.run([sys.executable, "-c", code], check=True, env=env)


OIDC_ENV = {
    "OCTOPUS_OIDC_RP_CLIENT_ID": "octopus-client",
    "OCTOPUS_OIDC_RP_CLIENT_SECRET": "s3cret",
    "OCTOPUS_OIDC_OP_AUTHORIZATION_ENDPOINT": "https://cis2.example/authorize",
    "OCTOPUS_OIDC_OP_TOKEN_ENDPOINT": "https://cis2.example/token",
    "OCTOPUS_OIDC_OP_USER_ENDPOINT": "https://cis2.example/userinfo",
    "OCTOPUS_OIDC_OP_JWKS_ENDPOINT": "https://cis2.example/jwks",
}


def test_oidc_settings_wire_up_when_enabled():
    code = (
        "import os; os.environ['OCTOPUS_SECRET_KEY']='x'*50;"
        "import django; os.environ['DJANGO_SETTINGS_MODULE']='octopus.settings.production'; django.setup();"
        "from django.conf import settings as s; from django.urls import reverse;"
        "assert s.OCTOPUS_OIDC_ENABLED and 'mozilla_django_oidc' in s.INSTALLED_APPS;"
        "assert s.AUTHENTICATION_BACKENDS[-1] == 'octopus.governance.oidc.CIS2Backend';"
        "assert s.OIDC_RP_SIGN_ALGO == 'RS512' and s.OIDC_CREATE_USER is False;"
        "assert s.OIDC_OP_TOKEN_ENDPOINT == 'https://cis2.example/token';"
        "print(reverse('governance:oidc_authentication_init'), reverse(s.OIDC_AUTHENTICATION_CALLBACK_URL))"
    )
    env = {**os.environ, **OIDC_ENV, "PYTHONPATH": "src"}
    env.pop("DJANGO_SETTINGS_MODULE", None)
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env)
    assert result.returncode == 0, result.stderr
    assert "/governance/oidc/authenticate/" in result.stdout and "/governance/oidc/callback/" in result.stdout


def test_oidc_half_configured_fails_naming_what_is_missing():
    from octopus.governance.oidc_settings import OIDCConfigurationError, oidc_settings

    assert oidc_settings({}) == {}
    with pytest.raises(OIDCConfigurationError, match="OCTOPUS_OIDC_OP_JWKS_ENDPOINT"):
        oidc_settings({k: v for k, v in OIDC_ENV.items() if k != "OCTOPUS_OIDC_OP_JWKS_ENDPOINT"})


def test_cis2_backend_matches_existing_accounts_only(make_user, settings):
    from octopus.governance.oidc import CIS2Backend

    settings.OIDC_USERNAME_CLAIM = "uid"
    settings.OIDC_RP_CLIENT_ID = settings.OIDC_RP_CLIENT_SECRET = "x"
    settings.OIDC_OP_TOKEN_ENDPOINT = settings.OIDC_OP_USER_ENDPOINT = "https://x"
    settings.OIDC_RP_SIGN_ALGO = "HS256"
    user = make_user("clinician", username="555012345678")
    backend = CIS2Backend()
    assert list(backend.filter_users_by_claims({"uid": "555012345678"})) == [user]
    assert not backend.filter_users_by_claims({"uid": "someone-else"}).exists()
    assert not backend.filter_users_by_claims({}).exists()


@pytest.mark.urls("tests.security.urls_boom")
def test_error_page_and_log_carry_no_patient_identifiers(client, make_user):
    # A fresh handler wired like the configured console one (same filters and formatter): the
    # configured handler may hold a stream an earlier test's output capture has already closed.
    console = next(h for h in logging.getLogger().handlers if getattr(h, "name", "") == "console")
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(console.formatter)
    for log_filter in console.filters:
        handler.addFilter(log_filter)
    logging.getLogger().addHandler(handler)
    try:
        client.raise_request_exception = False
        client.force_login(make_user("clinician"))
        response = client.get("/boom/")
    finally:
        logging.getLogger().removeHandler(handler)
    body = response.content.decode()
    assert response.status_code == 500
    assert "Sorry, there is a problem" in body
    logged = stream.getvalue()
    assert "RuntimeError" in logged, "the error itself must still be logged"
    for identifier in ("943 476 5919", "9434765919", "W2 1NY"):
        assert identifier not in body
        assert identifier not in logged
    assert "[NHS number removed]" in logged


def test_redaction_filter_on_formats():
    from octopus.governance.redaction import redact

    assert redact("nhs 9434765919 and 943-476-5919") == "nhs [NHS number removed] and [NHS number removed]"
    assert "12345678901" in redact("order 12345678901")  # 11 digits is not an NHS number
    assert redact("at sw1a 2aa") == "at [postcode removed]"
    # A run id's hex suffix can look like a postcode; the run id stays whole, a postcode beside it does not.
    line = "snapshot 20261204T112802Z-c521ab at W2 1NY"
    assert redact(line) == "snapshot 20261204T112802Z-c521ab at [postcode removed]"
    assert redact("Z-c521ab") == "Z-[postcode removed]"


def test_password_spraying_from_one_address_locks_the_address(client, make_user):
    make_user("clinician", username="nurse")
    for n in range(10):
        _fail(client, f"user{n}", 2)  # twenty failures, no username more than twice
    response = client.post(reverse("login"), {"username": "nurse", "password": "pw-for-tests-only"})
    assert "_auth_user_id" not in client.session, "a correct password must not get in from a locked address"
    assert response.status_code == 200
    locked = AuditEvent.objects.get(action="sign_in_locked")
    assert locked.summary.startswith("Address 127.0.0.1 locked for 15 minutes after 20 failed sign-ins as 10 usernames")
    other = client.post(
        reverse("login"), {"username": "nurse", "password": "pw-for-tests-only"}, REMOTE_ADDR="10.0.0.9"
    )
    assert other.status_code == 302


def test_failed_sign_ins_do_not_grow_the_audit_without_bound(client, make_user):
    from octopus.governance.models import SignInFailure

    for n in range(60):
        _fail(client, f"guess{n}")
    # One entry for the first failure from the address, one when the address locked.
    assert list(AuditEvent.objects.order_by("id").values_list("action", flat=True)) == [
        "sign_in_failed",
        "sign_in_locked",
    ]
    assert "further failures from this address in the next 15 minutes are counted" in AuditEvent.objects.first().summary
    assert SignInFailure.objects.count() == 20  # nothing more is stored once the address is locked


def test_ipv6_failures_count_per_64_block(rf):
    from octopus.governance import throttle

    first = rf.get("/", REMOTE_ADDR="2001:db8:1:2::10")
    second = rf.get("/", REMOTE_ADDR="2001:db8:1:2:ffff::1")
    assert throttle.client_ip(first) == throttle.client_ip(second) == "2001:db8:1:2::/64"
    assert throttle.client_ip(rf.get("/", REMOTE_ADDR="192.0.2.7")) == "192.0.2.7"


def test_production_enforces_https_except_the_health_check():
    code = (
        "import os; os.environ['OCTOPUS_SECRET_KEY']='x'*50;"
        "import django; os.environ['DJANGO_SETTINGS_MODULE']='octopus.settings.production'; django.setup();"
        "from django.conf import settings as s;"
        "assert s.SECURE_SSL_REDIRECT and s.SECURE_HSTS_SECONDS == 31536000, s.SECURE_HSTS_SECONDS;"
        "assert s.SECURE_PROXY_SSL_HEADER == ('HTTP_X_FORWARDED_PROTO', 'https');"
        "from django.test import RequestFactory; from django.middleware.security import SecurityMiddleware;"
        "m = SecurityMiddleware(lambda r: None); rf = RequestFactory();"
        "print(m.process_request(rf.get('/residents/', HTTP_HOST='localhost'))['Location']);"
        "print(m.process_request(rf.get('/healthz', HTTP_HOST='localhost')));"
        "print(m.process_request(rf.get('/', HTTP_HOST='localhost', HTTP_X_FORWARDED_PROTO='https')))"
    )
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("OCTOPUS_OIDC", "OCTOPUS_SSL", "OCTOPUS_HSTS", "OCTOPUS_BEHIND"))
    }
    env["PYTHONPATH"] = "src"
    env.pop("DJANGO_SETTINGS_MODULE", None)
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split("\n")[:3] == ["https://localhost/residents/", "None", "None"]
