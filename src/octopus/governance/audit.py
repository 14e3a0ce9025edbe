"""Explicit audit calls. Views and services call ``record``; nothing is inferred from signals
(signals miss bulk operations, and an audit that misses things cannot be signed off).

Each entry stores an HMAC-SHA256, under a key kept outside the database (``audit_keys``), of
its own content and the previous entry's hash. Editing or deleting an entry breaks the chain
from that point on, and nobody without the key ring can recompute the hashes after it.
Deleting the newest entries leaves a shorter chain that is still whole; signed checkpoints of
the head and count, written outside the database (``checkpoints``), catch that. ``verify``
checks all of it: the chain, the database triggers, and the last checkpoint. Decision 0019.
"""

import hashlib
import hmac
import json
from dataclasses import dataclass, field

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from . import audit_keys
from .models import AuditEvent

GENESIS = "0" * 64
# A checkpoint every this many entries, besides those written by every verify (cron) and backup.
CHECKPOINT_EVERY = 1000


def _content(event: AuditEvent) -> bytes:
    return json.dumps(
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
    ).encode()


def _expected_hash(event: AuditEvent, ring: audit_keys.KeyRing) -> str:
    if not event.key_id:
        # Entries written before the chain was keyed (decision 0019): plain SHA-256. They are
        # still protected by the first keyed entry after them, whose HMAC covers their head.
        return hashlib.sha256(_content(event)).hexdigest()
    return hmac.new(ring.secret(event.key_id), _content(event), hashlib.sha256).hexdigest()


def _now_to_the_millisecond():
    # Entries have always been written at millisecond precision (backups used to keep no more);
    # staying there means an entry's hash never depends on how it was stored or serialised.
    now = timezone.now()
    return now.replace(microsecond=now.microsecond // 1000 * 1000)


def _every() -> int:
    return int(getattr(settings, "OCTOPUS_AUDIT_CHECKPOINT_EVERY", CHECKPOINT_EVERY))


def _new_event(
    user,
    action,
    summary,
    *,
    previous_hash,
    ring,
    resident_id="",
    object_type="",
    object_id="",
    basis="",
    path="",
    occurred_at=None,
) -> AuditEvent:
    event = AuditEvent(
        occurred_at=occurred_at or _now_to_the_millisecond(),
        user=user if getattr(user, "pk", None) else None,
        username=getattr(user, "username", "") or "system",
        action=action,
        resident_id=str(resident_id or ""),
        object_type=object_type[:80],
        object_id=str(object_id)[:80],
        summary=summary[:300],
        basis=basis[:300],
        path=path[:300],
        previous_hash=previous_hash,
        key_id=ring.current,
    )
    event.entry_hash = _expected_hash(event, ring)
    return event


def record(
    user,
    action: str,
    summary: str,
    *,
    resident_id: str = "",
    obj=None,
    basis: str = "",
    path: str = "",
    object_type: str = "",
    object_id: str = "",
) -> AuditEvent:
    """Append one entry. ``user`` may be None for system jobs (feeds, pipeline)."""
    ring = audit_keys.load()
    if obj is not None:
        object_type = object_type or type(obj).__name__
        object_id = object_id or str(getattr(obj, "pk", "") or "")
    with transaction.atomic():
        # Lock the tail so two concurrent writers cannot both chain to the same entry.
        last = AuditEvent.objects.select_for_update().order_by("-id").first()
        event = _new_event(
            user,
            action,
            summary,
            previous_hash=last.entry_hash if last else GENESIS,
            ring=ring,
            resident_id=resident_id,
            object_type=object_type,
            object_id=object_id,
            basis=basis,
            path=path,
        )
        event.save()
        if event.pk % _every() == 0 and object_type != "AuditCheckpoint":
            from . import checkpoints

            transaction.on_commit(lambda: checkpoints.write("periodic"))
    return event


def record_request(request, action: str, summary: str, **kwargs) -> AuditEvent:
    return record(request.user, action, summary, path=request.path, **kwargs)


def record_appearances(
    user, summary: str, resident_ids, *, path: str = "", basis: str = "", list_entry: str = ""
) -> int:
    """One entry per resident shown on a list, chained in memory and written in one insert.

    A worklist or caseload names residents without opening their records; a subject access
    report must still show that someone saw the name on a list, so each resident gets an entry.
    ``list_entry``, when given, is the summary of an entry for viewing the list itself, written
    first in the same insert (a page that wrote it with ``record`` locked and read the chain's
    tail twice). Returns the number of residents' entries.
    """
    resident_ids = [str(person_id) for person_id in dict.fromkeys(resident_ids) if person_id]
    if not resident_ids and not list_entry:
        return 0
    ring = audit_keys.load()
    with transaction.atomic():
        last = AuditEvent.objects.select_for_update().order_by("-id").first()
        previous = last.entry_hash if last else GENESIS
        at = _now_to_the_millisecond()
        events = []
        entries = [("", list_entry, "")] if list_entry else []
        for resident_id, entry_summary, entry_basis in entries + [(p, summary, basis) for p in resident_ids]:
            event = _new_event(
                user,
                "view",
                entry_summary,
                previous_hash=previous,
                ring=ring,
                resident_id=resident_id,
                basis=entry_basis,
                path=path,
                occurred_at=at,
            )
            events.append(event)
            previous = event.entry_hash
        # bulk_create keeps list order, so ids follow the chain (one INSERT per batch).
        AuditEvent.objects.bulk_create(events, batch_size=500)
        first, last_written = events[0].pk, events[-1].pk
        if first and last_written and (first - 1) // _every() != last_written // _every():
            from . import checkpoints

            transaction.on_commit(lambda: checkpoints.write("periodic"))
    return len(resident_ids)


@dataclass(frozen=True)
class ChainReport:
    entries: int
    first_broken_id: int | None
    problem: str
    head: str = GENESIS
    last_id: int | None = None
    problems: tuple[str, ...] = field(default=())

    @property
    def intact(self) -> bool:
        return self.first_broken_id is None and not self.problems


def verify_chain(batch_size: int = 5000) -> ChainReport:
    """Walk the log in order; report the first entry whose hash or link does not hold."""
    ring = audit_keys.load()
    expected_previous = GENESIS
    count = 0
    keyed_seen = False
    last_id = None
    for event in AuditEvent.objects.order_by("id").iterator(chunk_size=batch_size):
        count += 1
        if event.previous_hash != expected_previous:
            return ChainReport(
                count,
                event.id,
                f"Entry {event.id} does not follow the entry before it: an entry was deleted or inserted.",
            )
        if keyed_seen and not event.key_id:
            return ChainReport(
                count,
                event.id,
                f"Entry {event.id} is not sealed with the audit key although entries before it are: it was forged.",
            )
        keyed_seen = keyed_seen or bool(event.key_id)
        try:
            expected = _expected_hash(event, ring)
        except audit_keys.AuditKeyError as error:
            return ChainReport(count, event.id, f"Entry {event.id} cannot be checked. {error}")
        if not hmac.compare_digest(expected, event.entry_hash):
            return ChainReport(count, event.id, f"Entry {event.id} was altered after it was written.")
        expected_previous = event.entry_hash
        last_id = event.id
    return ChainReport(count, None, "", head=expected_previous, last_id=last_id)


def verify() -> ChainReport:
    """Everything an IG lead needs to trust the log: chain, triggers and the last checkpoint."""
    from django.db import connection

    from . import append_only, checkpoints

    chain = verify_chain()
    problems = []
    if not append_only.is_installed(connection):
        problems.append(
            "The database triggers that keep the audit log append-only are missing: someone removed "
            "them. Run `octopus manage migrate` to put them back, then find out who removed them."
        )
    if chain.problem:
        problems.append(chain.problem)
    problems.extend(checkpoints.check(chain))
    return ChainReport(
        chain.entries,
        chain.first_broken_id,
        " ".join(problems),
        head=chain.head,
        last_id=chain.last_id,
        problems=tuple(problems),
    )


def verify_and_checkpoint(user=None, *, path: str = "", where: str = "") -> ChainReport:
    """``verify``, recorded; when intact, also write a checkpoint (so a nightly verify is the
    periodic checkpoint)."""
    from . import checkpoints

    report = verify()
    record(user, "run", f"Verified the audit log{where}: " + ("intact" if report.intact else "FAILED"), path=path)
    if report.intact:
        checkpoints.write("verify", user=user)
    return report
