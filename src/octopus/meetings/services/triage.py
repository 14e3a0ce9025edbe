"""Triage: from the worklist onto the agenda (order, minutes, presenter), "not this week" with a
reason, or carried over to the next meeting. Nobody reaches the agenda without a basis to be
discussed (consent, best interests, or risk of harm to others), recorded in governance.consent."""

from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max

from octopus.governance import audit
from octopus.governance.consent import consent_to_discuss, record_consent
from octopus.governance.models import ConsentKind, ConsentStatus, LawfulBasis

from ..models import EntryStatus, Meeting, WorklistEntry
from .worklist import ADDED

# The two exceptions to consent an INC follows (Islington): discussion in the best interests of a
# resident who lacks capacity, and discussion because not discussing them may harm others.
EXCEPTIONS = {
    LawfulBasis.BEST_INTERESTS: "Best interests (resident lacks capacity)",
    LawfulBasis.VITAL_INTERESTS: "Not discussing them may harm others",
}


@dataclass(frozen=True)
class DiscussionBasis:
    allowed: bool
    explanation: str


def discussion_basis(resident) -> DiscussionBasis:
    decision = consent_to_discuss(resident)
    if decision is None:
        return DiscussionBasis(False, f"No consent to be discussed is recorded for {resident.name}.")
    if decision.basis in EXCEPTIONS and decision.rationale and decision.decided_by:
        return DiscussionBasis(
            True, f"{EXCEPTIONS[decision.basis]}, decided by {decision.decided_by}: {decision.rationale}"
        )
    if decision.allowed and decision.basis == LawfulBasis.CONSENT:
        return DiscussionBasis(
            True, f"Consent given, recorded {decision.recorded_at:%-d %b %Y} by {decision.recorded_by}"
        )
    return DiscussionBasis(
        False,
        f"{resident.name} {ConsentStatus(decision.status).label.lower()} consent to be discussed "
        f"(recorded {decision.recorded_at:%-d %b %Y}).",
    )


class NoBasisToDiscuss(ValidationError):
    """The resident cannot go on the agenda; the message says why and what to do."""


@transaction.atomic
def record_exception(entry: WorklistEntry, actor, *, basis: str, rationale: str, decided_by: str, path: str = ""):
    """Record a best-interests or harm-to-others decision (in governance.consent, the one place
    consent decisions live)."""
    if basis not in EXCEPTIONS:
        raise ValidationError({"basis": "Choose best interests or risk of harm to others."})
    errors = {}
    if not (rationale or "").strip():
        errors["rationale"] = "Explain why the resident should be discussed without their consent."
    if not (decided_by or "").strip():
        errors["decided_by"] = "Name the person who made the decision."
    if errors:
        raise ValidationError(errors)
    # Best interests: a resident lacking capacity has not refused. Harm to others: they may have.
    status = ConsentStatus.GIVEN if basis == LawfulBasis.BEST_INTERESTS else ConsentStatus.REFUSED
    return record_consent(
        actor=actor,
        resident=entry.resident,
        kind=ConsentKind.DISCUSS_AT_MDT,
        status=status,
        basis=basis,
        rationale=rationale,
        decided_by=decided_by,
        path=path,
    )


def _open(entry: WorklistEntry):
    if entry.meeting.is_closed:
        raise ValidationError("This meeting is closed.")


@transaction.atomic
def put_on_agenda(
    entry: WorklistEntry,
    actor,
    *,
    minutes: int | None = None,
    presenter=None,
    position: int | None = None,
    path: str = "",
) -> WorklistEntry:
    _open(entry)
    basis = discussion_basis(entry.resident)
    if not basis.allowed:
        raise NoBasisToDiscuss(
            f"{basis.explanation} They cannot be added to the agenda until consent is given or a "
            "best-interests or harm-to-others decision is recorded."
        )
    if position is None:
        position = (entry.meeting.entries.filter(status=EntryStatus.AGENDA).aggregate(m=Max("position"))["m"] or 0) + 1
    entry.status = EntryStatus.AGENDA
    entry.position = position
    entry.minutes = minutes or entry.meeting.series.minutes_per_resident
    entry.presenter = presenter
    entry.discussion_basis = basis.explanation[:200]
    entry.triage_note = ""
    entry.save(update_fields=["status", "position", "minutes", "presenter", "discussion_basis", "triage_note"])
    audit.record(
        actor,
        "change",
        f"Added to the agenda of {entry.meeting} ({basis.explanation})"[:300],
        resident_id=entry.resident.person_id,
        obj=entry,
        path=path,
    )
    return entry


@transaction.atomic
def not_this_week(
    entry: WorklistEntry, actor, reason: str, *, carry_over: bool = False, path: str = ""
) -> WorklistEntry:
    _open(entry)
    if not (reason or "").strip():
        raise ValidationError({"reason": "Say why the resident is not being discussed this week."})
    entry.status = EntryStatus.CARRIED_OVER if carry_over else EntryStatus.NOT_THIS_WEEK
    entry.triage_note = reason.strip()[:300]
    entry.position = None
    entry.save(update_fields=["status", "triage_note", "position"])
    what = "Carried over to the next meeting" if carry_over else "Not this week"
    audit.record(
        actor,
        "change",
        f"{what}: {entry.triage_note}"[:300],
        resident_id=entry.resident.person_id,
        obj=entry,
        path=path,
    )
    return entry


@transaction.atomic
def add_resident(meeting: Meeting, resident, actor, reason: str, path: str = "") -> WorklistEntry:
    """Anyone attending may add a resident (INCs never turn a referral away)."""
    if meeting.is_closed:
        raise ValidationError("This meeting is closed.")
    if not (reason or "").strip():
        raise ValidationError({"reason": "Say why the resident should be discussed."})
    if resident.is_deceased:
        raise ValidationError(f"{resident.name} has died.")
    source = {"source": ADDED, "reason": f"Added by {actor.display_name}: {reason.strip()}"[:300]}
    entry, created = WorklistEntry.objects.get_or_create(
        meeting=meeting, resident=resident, defaults={"sources": [source], "added_by": actor}
    )
    if not created:
        entry.sources = [*entry.sources, source]
        entry.save(update_fields=["sources"])
    audit.record(
        actor,
        "change",
        f"Added to the worklist of {meeting}: {reason.strip()}"[:300],
        resident_id=resident.person_id,
        obj=entry,
        path=path,
    )
    return entry
