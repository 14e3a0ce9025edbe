"""Sign-in throttling, per username and address and per address across usernames.

Five failures for one username from one address in fifteen minutes lock that username from
that address; twenty failures from one address, whatever the usernames, lock the address
(password spraying: ten accounts × three passwords must not go unnoticed). All three numbers
are settings; an organisation whose staff share one outgoing address can raise the address
limit. IPv6 addresses count per /64, the block one household or device usually holds. The lock
applies whether or not the username exists, and the sign-in page shows the same message either
way, so it reveals nothing about accounts.

Failed sign-ins are anonymous input, so the audit log records them per address per window, not
one by one: the first failure from an address, and each lock as it starts. The individual
failures live in ``SignInFailure`` (pruned after four windows) and stop being stored once an
address is locked, so neither table grows without bound.
"""

import ipaddress
from datetime import timedelta

from django.conf import settings
from django.contrib.auth.backends import ModelBackend
from django.core.exceptions import PermissionDenied
from django.utils import timezone

from . import audit
from .models import SignInFailure


def _limit() -> int:
    return int(getattr(settings, "OCTOPUS_SIGN_IN_MAX_FAILURES", 5))


def _address_limit() -> int:
    return int(getattr(settings, "OCTOPUS_SIGN_IN_MAX_FAILURES_PER_ADDRESS", 20))


def _window() -> timedelta:
    return timedelta(minutes=int(getattr(settings, "OCTOPUS_SIGN_IN_LOCK_MINUTES", 15)))


def client_ip(request) -> str:
    """The address failures are counted against: REMOTE_ADDR (X-Forwarded-For is set by clients
    unless a trusted proxy rewrites it), with IPv6 reduced to its /64."""
    raw = (request.META.get("REMOTE_ADDR") or "unknown")[:45] if request is not None else "unknown"
    try:
        address = ipaddress.ip_address(raw)
    except ValueError:
        return raw
    if address.version == 6:
        if address.ipv4_mapped:
            return str(address.ipv4_mapped)
        return str(ipaddress.ip_network(f"{address}/64", strict=False))[:45]
    return str(address)


def _since():
    return timezone.now() - _window()


def _from_address(ip: str):
    return SignInFailure.objects.filter(ip_address=ip, occurred_at__gte=_since())


def _recent(username: str, ip: str):
    return _from_address(ip).filter(username=username.lower()[:150])


def address_locked(ip: str) -> bool:
    return _from_address(ip).count() >= _address_limit()


def is_locked(username: str, ip: str) -> bool:
    return address_locked(ip) or _recent(username, ip).count() >= _limit()


def note_failure(username: str, request) -> None:
    """Count a failure; audit the first from this address in the window, and each lock as it starts."""
    ip = client_ip(request)
    name = username.lower()[:150]
    path = getattr(request, "path", "")
    from_address = _from_address(ip).count()
    if from_address >= _address_limit():
        return  # already locked and already audited: store nothing more for this address
    for_username = _recent(name, ip).count()
    SignInFailure.objects.create(username=name, ip_address=ip, occurred_at=timezone.now())
    minutes = int(_window().total_seconds() // 60)
    if from_address == 0:
        audit.record(
            None,
            "sign_in_failed",
            f"Failed sign-in as {username[:100]!r} from {ip} (further failures from "
            f"this address in the next {minutes} minutes are counted, not logged one by one)",
            path=path,
        )
    if for_username + 1 == _limit():
        audit.record(
            None,
            "sign_in_locked",
            f"Sign-in as {username[:100]!r} from {ip} locked for {minutes} minutes after {_limit()} failures",
            path=path,
        )
    if from_address + 1 == _address_limit():
        tried = sorted(set(_from_address(ip).values_list("username", flat=True)))
        audit.record(
            None,
            "sign_in_locked",
            f"Address {ip} locked for {minutes} minutes after {_address_limit()} failed "
            f"sign-ins as {len(tried)} usernames: {', '.join(tried)}"[:300],
            path=path,
        )
    # Old failures are of no further use; keep the table small.
    SignInFailure.objects.filter(occurred_at__lt=timezone.now() - 4 * _window()).delete()


def clear(username: str, request) -> None:
    SignInFailure.objects.filter(username=username.lower()[:150], ip_address=client_ip(request)).delete()


class ThrottlingBackend(ModelBackend):
    """Django's username-and-password backend, refusing a locked username or address first.

    Raising PermissionDenied stops Django trying other backends; the sign-in form then shows
    its usual "enter a correct username and password" error, the same whether or not the
    username exists. The lock was audited when it started (``note_failure``).
    """

    def authenticate(self, request, username=None, password=None, **kwargs):
        if username is None:
            username = kwargs.get(self.UserModel.USERNAME_FIELD)
        if username and is_locked(username, client_ip(request)):
            raise PermissionDenied("Too many failed sign-ins.")
        return super().authenticate(request, username=username, password=password, **kwargs)
