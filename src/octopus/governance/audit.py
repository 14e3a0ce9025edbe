"""Explicit audit calls. Views and services call ``record``; nothing is inferred from signals
(signals miss bulk operations, and an audit that misses things cannot be signed off).

Each entry stores the SHA-256 of its own content and the previous entry's hash, so editing or
deleting any entry breaks the chain from that point on, which ``verify_chain`` detects.
"""

import hashlib
import json
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone

from .models import AuditEvent

GENESIS = "0" * 64


def _content_hash(event: AuditEvent) -> str:
    content = json.dumps(
        [
            event.occurred_at.isoformat(),
            event.user_id,
            event.username,
            event.action,
            event.resident_id,
            event.object_type,
            event.object_id,
            event.summary,
            event.basis,
            event.path,
            event.previous_hash,
        ],
        separators=(",", ":"),
    )
    return hashlib.sha256(content.encode()).hexdigest()


def _now_to_the_millisecond():
    # Django's JSON serialisation (dumpdata, backups) keeps milliseconds only; an entry must
    # hash the same after a backup and restore, so it is written at that precision.
    now = timezone.now()
    return now.replace(microsecond=now.microsecond // 1000 * 1000)


def record(
    user,
    action: str,
    summary: str,
    *,
    resident_id: str = "",
    obj=None,
    basis: str = "",
    path: str = "",
) -> AuditEvent:
    """Append one entry. ``user`` may be None for system jobs (feeds, pipeline)."""
    with transaction.atomic():
        # Lock the tail so two concurrent writers cannot both chain to the same entry.
        last = AuditEvent.objects.select_for_update().order_by("-id").first()
        event = AuditEvent(
            occurred_at=_now_to_the_millisecond(),
            user=user if getattr(user, "pk", None) else None,
            username=getattr(user, "username", "") or "system",
            action=action,
            resident_id=str(resident_id or ""),
            object_type=type(obj).__name__ if obj is not None else "",
            object_id=str(getattr(obj, "pk", "") or "") if obj is not None else "",
            summary=summary[:300],
            basis=basis[:300],
            path=path[:300],
            previous_hash=last.entry_hash if last else GENESIS,
        )
        event.entry_hash = _content_hash(event)
        event.save()
    return event


def record_request(request, action: str, summary: str, **kwargs) -> AuditEvent:
    return record(request.user, action, summary, path=request.path, **kwargs)


@dataclass(frozen=True)
class ChainReport:
    entries: int
    first_broken_id: int | None
    problem: str

    @property
    def intact(self) -> bool:
        return self.first_broken_id is None


def verify_chain(batch_size: int = 5000) -> ChainReport:
    """Walk the log in order; report the first entry whose hash or link does not hold."""
    expected_previous = GENESIS
    count = 0
    for event in AuditEvent.objects.order_by("id").iterator(chunk_size=batch_size):
        count += 1
        if event.previous_hash != expected_previous:
            return ChainReport(
                count,
                event.id,
                f"Entry {event.id} does not follow the entry before it: an entry was deleted or inserted.",
            )
        if _content_hash(event) != event.entry_hash:
            return ChainReport(count, event.id, f"Entry {event.id} was altered after it was written.")
        expected_previous = event.entry_hash
    return ChainReport(count, None, "")
