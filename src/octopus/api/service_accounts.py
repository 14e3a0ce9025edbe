"""Issuing and checking service-account tokens (decision 0033)."""

import hashlib
import secrets

from django.db import transaction
from django.utils import timezone

from octopus.governance import audit

from .fhir.scopes import parse_scopes
from .models import ServiceAccount


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def issue(name: str, user, scopes: str, *, actor=None) -> tuple[ServiceAccount, str]:
    """A new service account acting as ``user``, and its token (shown once, stored only hashed)."""
    parse_scopes(scopes)  # refuses a malformed scope with a message naming it
    token = secrets.token_urlsafe(32)
    with transaction.atomic():
        account = ServiceAccount.objects.create(name=name, user=user, token_hash=_hash(token), scopes=scopes.strip())
        audit.record(
            actor, "change", f"Issued API service account {name!r} acting as {user.username} ({scopes.strip()})"[:300]
        )
    return account, token


def authenticate(token: str) -> ServiceAccount | None:
    """The active account holding ``token``, or None. Marks when it was last used."""
    account = ServiceAccount.objects.select_related("user").filter(token_hash=_hash(token), active=True).first()
    if account is None or not account.user.is_active:
        return None
    ServiceAccount.objects.filter(pk=account.pk).update(last_used_at=timezone.now())
    return account
