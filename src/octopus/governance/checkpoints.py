"""Signed checkpoints of the audit chain's head and length, written outside the database.

A keyed chain catches an edited or deleted entry in the middle, but not the newest entries
removed (or every entry): what is left is still a whole chain. So every verify, backup and
restore, and every ``CHECKPOINT_EVERY`` entries, appends a line to
``OCTOPUS_AUDIT_DIR/checkpoints.jsonl`` with the number of entries and the newest hash, signed
with the audit key and chained to the line before it. Each checkpoint is also recorded as an
audit entry, so a checkpoint file that is removed or rolled back to an older copy disagrees
with the log. Copy the file to an append-only store (WORM bucket, syslog server) for the
strongest guarantee. Decision 0019.
"""

import hashlib
import hmac
import json
import os
import threading

from django.db import transaction
from django.utils import timezone

from . import audit_keys

OBJECT_TYPE = "AuditCheckpoint"
_FIELDS = ("seq", "at", "entries", "last_id", "head", "reason", "key_id", "previous")


def path():
    return audit_keys.audit_dir() / "checkpoints.jsonl"


def _signature(checkpoint: dict, ring: audit_keys.KeyRing) -> str:
    payload = json.dumps([checkpoint[name] for name in _FIELDS], separators=(",", ":")).encode()
    return hmac.new(ring.secret(checkpoint["key_id"]), payload, hashlib.sha256).hexdigest()


class CheckpointError(ValueError):
    pass


def read() -> list[dict]:
    """Every checkpoint, each checked against its signature and the one before it."""
    file = path()
    if not file.exists():
        return []
    ring = audit_keys.load()
    checkpoints: list[dict] = []
    for number, line in enumerate(file.read_text().splitlines(), start=1):
        if not line.strip():
            continue
        where = f"{file}, line {number}"
        try:
            checkpoint = json.loads(line)
            expected = _signature(checkpoint, ring)
        except (ValueError, KeyError, TypeError) as error:
            raise CheckpointError(f"{where} is not a checkpoint ({error}).") from None
        except audit_keys.AuditKeyError as error:
            raise CheckpointError(f"{where} cannot be checked: {error}") from None
        if not hmac.compare_digest(expected, str(checkpoint.get("signature", ""))):
            raise CheckpointError(f"{where} was altered: its signature does not match.")
        previous = checkpoints[-1]["signature"] if checkpoints else ""
        if checkpoint["previous"] != previous or checkpoint["seq"] != len(checkpoints) + 1:
            raise CheckpointError(f"{where} does not follow the checkpoint before it: lines were removed or reordered.")
        checkpoints.append(checkpoint)
    return checkpoints


# Re-entrant: a checkpoint's own entry can complete a period, and that checkpoint is written
# (on commit) while this thread still holds the lock.
_WRITING = threading.RLock()


def write(reason: str, *, user=None) -> dict:
    """Record the checkpoint in the log, then append it (covering that entry) to the file."""
    from . import audit
    from .models import AuditEvent

    ring = audit_keys.load()
    # Two writers that both read the file before either appends would both write the same
    # number, and every later checkpoint would then fail to verify. So the file is read only
    # once this writer holds the chain's tail (as record() takes it: other processes wait), and
    # threads of one process queue on a lock of their own (SQLite has no row locks).
    with _WRITING, transaction.atomic():
        AuditEvent.objects.select_for_update().order_by("-id").first()
        existing = read()
        seq = len(existing) + 1
        audit.record(
            user, "run", f"Audit checkpoint {seq} written ({reason})", object_type=OBJECT_TYPE, object_id=str(seq)
        )
        # record() locked the tail: nobody can append until this transaction commits.
        newest = AuditEvent.objects.order_by("-id").first()
        checkpoint = {
            "seq": seq,
            "at": timezone.now().isoformat(),
            "entries": AuditEvent.objects.count(),
            "last_id": newest.id,
            "head": newest.entry_hash,
            "reason": reason[:200],
            "key_id": ring.current,
            "previous": existing[-1]["signature"] if existing else "",
        }
        checkpoint["signature"] = _signature(checkpoint, ring)
        file = path()
        file.parent.mkdir(parents=True, exist_ok=True)
        with file.open("a", encoding="utf-8") as handle:
            handle.write(json.dumps(checkpoint) + "\n")
            handle.flush()
            os.fsync(handle.fileno())
    return checkpoint


def check(chain) -> list[str]:
    """What is wrong between the log (already walked into ``chain``) and the checkpoints."""
    from .models import AuditEvent

    try:
        checkpoints = read()
    except CheckpointError as error:
        return [f"The audit checkpoints cannot be trusted: {error}"]
    recorded = (
        AuditEvent.objects.filter(object_type=OBJECT_TYPE).order_by("-id").values_list("object_id", flat=True).first()
    )
    if not checkpoints:
        if recorded:
            return [
                f"The audit checkpoint file {path()} is missing, although the log records checkpoint {recorded}: "
                "it was removed. Restore it from its copy."
            ]
        return []
    last = checkpoints[-1]
    problems = []
    if recorded and int(recorded) > last["seq"]:
        problems.append(
            f"The audit checkpoint file ends at checkpoint {last['seq']} but the log records checkpoint "
            f"{recorded}: the file was rolled back to an older copy."
        )
    if chain.entries < last["entries"]:
        problems.append(
            f"The audit log holds {chain.entries} entries but checkpoint {last['seq']} ({last['at'][:16]}) "
            f"counted {last['entries']}: entries were deleted."
        )
    newest_at_checkpoint = AuditEvent.objects.filter(id=last["last_id"]).values_list("entry_hash", flat=True).first()
    if newest_at_checkpoint != last["head"]:
        problems.append(
            f"Entry {last['last_id']}, the newest at checkpoint {last['seq']}, is missing or changed: "
            "the log was cut back or rewritten since."
        )
    elif AuditEvent.objects.filter(id__lte=last["last_id"]).count() != last["entries"]:
        problems.append(f"Entries written before checkpoint {last['seq']} were deleted.")
    for before, after in zip(checkpoints, checkpoints[1:], strict=False):
        if after["entries"] < before["entries"] and not after["reason"].startswith("restore"):
            problems.append(
                f"Checkpoint {after['seq']} counts fewer entries than checkpoint {before['seq']} "
                "without a restore between them."
            )
            break
    return problems
