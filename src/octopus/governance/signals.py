"""Sign-in events are audited too (who signed in, when, and failed attempts)."""

from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.dispatch import receiver

from . import audit, throttle


@receiver(user_logged_in)
def on_login(sender, request, user, **kwargs):
    audit.record(user, "sign_in", "Signed in", path=getattr(request, "path", ""))
    if request is not None:
        throttle.clear(user.get_username(), request)


@receiver(user_logged_out)
def on_logout(sender, request, user, **kwargs):
    if user is not None:
        reason = getattr(request, "octopus_logout_reason", "") if request is not None else ""
        audit.record(user, "sign_out", f"Signed out{reason}", path=getattr(request, "path", ""))


@receiver(user_login_failed)
def on_login_failed(sender, credentials, request=None, **kwargs):
    # The attempted username is kept for the IG lead; the password never is. The audit entry
    # is written per address per window, not per attempt (see throttle.note_failure).
    username = str(credentials.get("username", ""))[:150]
    throttle.note_failure(username, request)
