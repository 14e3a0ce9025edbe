"""Pseudonyms for analyst-facing outputs: a keyed HMAC of the Octopus person id.

A plain hash of a person id (or NHS number) can be reversed by hashing every candidate; a keyed
HMAC cannot without the key, which stays on the server (``OCTOPUS_PSEUDONYMISATION_KEY``).
The same key gives the same pseudonym in every output, so analysts can join their own tables;
rotating the key breaks every such join on purpose.
"""

import hashlib
import hmac
import logging
import os
import secrets
from functools import cache
from pathlib import Path

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

log = logging.getLogger(__name__)
KEY_FILE_NAME = "pseudonymisation-key"


def keyed_pseudonym(person_id: str, key: bytes, length: int = 16) -> str:
    """Pure function (no settings): the pseudonym of one person id under one key."""
    digest = hmac.new(key, str(person_id).encode(), hashlib.sha256).hexdigest()
    return "P" + digest[:length]


@cache
def _key() -> bytes:
    configured = getattr(settings, "OCTOPUS_PSEUDONYMISATION_KEY", None)
    if configured:
        return configured.encode()
    if os.environ.get("DJANGO_SETTINGS_MODULE", "").endswith("production"):
        raise ImproperlyConfigured(
            "OCTOPUS_PSEUDONYMISATION_KEY must be set in production: pseudonyms must not change "
            "between servers or restarts (see docs/information-governance.md)."
        )
    # Demo and development: generate once and keep it with the data, like the demo secret key.
    key_file = Path(settings.DATA_DIR) / KEY_FILE_NAME
    if not key_file.exists():
        key_file.parent.mkdir(parents=True, exist_ok=True)
        key_file.write_text(secrets.token_urlsafe(32))
        key_file.chmod(0o600)
        log.warning("Generated a pseudonymisation key in the data folder (demo/development only).")
    return key_file.read_text().strip().encode()


def pseudonym(person_id: str) -> str:
    """The stable pseudonym analysts see instead of a person id, name or NHS number."""
    return keyed_pseudonym(person_id, _key())


def reset_key_cache() -> None:
    _key.cache_clear()
