"""Sign-in throttling: a username from one address is locked after repeated failures.

Five failures in fifteen minutes lock that username from that address for the rest of the
window (both configurable). The lock applies whether or not the username exists, and the
sign-in page shows the same message either way, so it reveals nothing about accounts.
"""

from datetime import timedelta

from django.conf import settings
from django.contrib.auth.backends import ModelBackend
from django.core.exceptions import PermissionDenied
from django.utils import timezone

from . import audit
from .models import SignInFailure


def _limit() -> int:
    return int(getattr(settings, "OCTOPUS_SIGN_IN_MAX_FAILURES", 5))


def _window() -> timedelta:
    return timedelta(minutes=int(getattr(settings, "OCTOPUS_SIGN_IN_LOCK_MINUTES", 15)))


def client_ip(request) -> str:
    # REMOTE_ADDR only: X-Forwarded-For is set by clients unless a trusted proxy rewrites it.
    return (request.META.get("REMOTE_ADDR") or "unknown")[:45] if request is not None else "unknown"


def _recent(username: str, ip: str):
    return SignInFailure.objects.filter(
        username=username.lower()[:150], ip_address=ip, occurred_at__gte=timezone.now() - _window()
    )


def is_locked(username: str, ip: str) -> bool:
    return _recent(username, ip).count() >= _limit()


def note_failure(username: str, request) -> None:
    SignInFailure.objects.create(username=username.lower()[:150], ip_address=client_ip(request), occurred_at=timezone.now())
    # Old failures are of no further use; keep the table small.
    SignInFailure.objects.filter(occurred_at__lt=timezone.now() - 4 * _window()).delete()


def clear(username: str, request) -> None:
    SignInFailure.objects.filter(username=username.lower()[:150], ip_address=client_ip(request)).delete()


class ThrottlingBackend(ModelBackend):
    """Django's username-and-password backend, refusing a locked username+address first.

    Raising PermissionDenied stops Django trying other backends; the sign-in form then shows
    its usual "enter a correct username and password" error, the same whether or not the
    username exists.
    """

    def authenticate(self, request, username=None, password=None, **kwargs):
        if username is None:
            username = kwargs.get(self.UserModel.USERNAME_FIELD)
        if username and is_locked(username, client_ip(request)):
            audit.record(None, "sign_in_locked", f"Sign-in refused: {username[:100]!r} is locked after repeated failures",
                         path=getattr(request, "path", ""))
            raise PermissionDenied("Too many failed sign-ins.")
        return super().authenticate(request, username=username, password=password, **kwargs)
