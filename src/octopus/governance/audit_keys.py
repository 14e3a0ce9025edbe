"""The audit key ring: the secret that seals the audit chain, kept outside the database.

Each audit entry's hash is an HMAC-SHA256 under the ring's current key, so someone who can
rewrite the database (drop the triggers, edit an entry, recompute the hashes after it) cannot
produce hashes that verify without also holding this file. Decision 0019.

The ring is a small JSON file (``OCTOPUS_AUDIT_DIR/keyring.json``, mode 0600) holding every key
ever used, so old entries still verify after a rotation; each key is named by the first 12 hex
digits of its own SHA-256, which identifies it without revealing it. Keep a copy of this file
with the backups' keys, not inside the backups: a backup restored onto a new server verifies
only once the ring is copied there.
"""

import hashlib
import json
import os
import secrets
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.utils import timezone


class AuditKeyError(RuntimeError):
    """The key ring is missing a key or unreadable; the message says which and where."""


def audit_dir() -> Path:
    configured = getattr(settings, "OCTOPUS_AUDIT_DIR", None)
    return Path(configured) if configured else Path(settings.DATA_DIR) / "audit"


def ring_path() -> Path:
    return audit_dir() / "keyring.json"


def key_id_for(secret: bytes) -> str:
    return hashlib.sha256(secret).hexdigest()[:12]


@dataclass(frozen=True)
class KeyRing:
    path: Path
    current: str
    keys: dict[str, bytes]
    history: tuple[dict, ...]

    def secret(self, key_id: str) -> bytes:
        try:
            return self.keys[key_id]
        except KeyError:
            raise AuditKeyError(
                f"The audit key {key_id} is not in the key ring at {self.path}: restore the ring from its safe copy."
            ) from None


_cache: dict[Path, tuple[int, KeyRing]] = {}


def _write(path: Path, document: dict) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    os.chmod(path.parent, 0o700)
    temporary = path.with_suffix(".tmp")
    # Created 0600 from the start: the secret must never be readable by others, even briefly.
    descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "w") as handle:
        json.dump(document, handle, indent=2)
    os.replace(temporary, path)


def _new_key_entry(reason: str) -> tuple[str, dict]:
    secret = secrets.token_bytes(32)
    key_id = key_id_for(secret)
    return key_id, {"secret": secret.hex(), "created_at": timezone.now().isoformat(), "reason": reason}


def _create(path: Path) -> None:
    """Write a first ring, unless another process got there first: web workers starting together
    must all end up with the same key, so the ring is linked into place only if still absent."""
    key_id, entry = _new_key_entry("first key")
    candidate = path.with_name(f".keyring-{os.getpid()}-{secrets.token_hex(4)}.json")
    _write(candidate, {"current": key_id, "keys": {key_id: entry}})
    try:
        os.link(candidate, path)
    except FileExistsError:
        pass
    finally:
        candidate.unlink(missing_ok=True)


def load() -> KeyRing:
    """The ring, created with a first key when there is none yet (a new installation)."""
    path = ring_path()
    if not path.exists():
        _create(path)
    stamp = path.stat().st_mtime_ns
    cached = _cache.get(path)
    if cached and cached[0] == stamp:
        return cached[1]
    try:
        document = json.loads(path.read_text())
        keys = {key_id: bytes.fromhex(entry["secret"]) for key_id, entry in document["keys"].items()}
        current = document["current"]
    except (OSError, ValueError, KeyError, TypeError) as error:
        raise AuditKeyError(f"The audit key ring at {path} is unreadable ({error}).") from None
    for key_id, secret in keys.items():
        if key_id_for(secret) != key_id:
            raise AuditKeyError(f"The audit key ring at {path} is corrupt: key {key_id} does not match its name.")
    if current not in keys:
        raise AuditKeyError(f"The audit key ring at {path} names a current key ({current}) it does not hold.")
    history = tuple(
        {"key_id": key_id, "created_at": entry.get("created_at", ""), "reason": entry.get("reason", "")}
        for key_id, entry in document["keys"].items()
    )
    ring = KeyRing(path=path, current=current, keys=keys, history=history)
    _cache[path] = (stamp, ring)
    return ring


def rotate(reason: str) -> tuple[str, str]:
    """Add a new key and make it current; returns (old id, new id). Old keys stay for verifying."""
    ring = load()
    document = json.loads(ring.path.read_text())
    key_id, entry = _new_key_entry(reason)
    document["keys"][key_id] = entry
    document["current"] = key_id
    _write(ring.path, document)
    return ring.current, key_id
