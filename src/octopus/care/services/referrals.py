"""Referrals and warm introductions as an explicit state machine with history.

sent ──▶ accepted ──▶ first contact made ──▶ completed
  │          └──────────────┴──────────────▶ closed
  ├──▶ redirected (a new referral goes to the right team or person)
  ├──▶ declined, with a reason (not for teams that never decline)
  └──▶ closed (withdrawn by the sender)
"""

import datetime as dt
import statistics

from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from octopus.governance import audit

from .. import config
from ..models import Case, CaseSource, Referral, ReferralEvent, ReferralStatus, TaskSource
from ..models.referral import OPEN_STATUSES, ContactRoute, Urgency
from .cases import open_case, record_contact
from .tasks import create_task

S = ReferralStatus
TRANSITIONS: dict[str, set[str]] = {
    S.SENT: {S.ACCEPTED, S.REDIRECTED, S.DECLINED, S.CLOSED},
    S.ACCEPTED: {S.FIRST_CONTACT, S.CLOSED},
    S.FIRST_CONTACT: {S.COMPLETED, S.CLOSED},
    S.REDIRECTED: set(),
    S.DECLINED: set(),
    S.COMPLETED: set(),
    S.CLOSED: set(),
}


class TransitionError(ValidationError):
    """A referral cannot move that way; the message says why in the reader's words."""


def _check(referral: Referral, to_status: str) -> None:
    if to_status not in TRANSITIONS[referral.status]:
        raise TransitionError(
            f"This {('introduction' if referral.is_introduction else 'referral')} is "
            f"{referral.get_status_display().lower()}; it cannot be marked "
            f"{ReferralStatus(to_status).label.lower()}."
        )


def _move(referral: Referral, to_status: str, actor, note: str = "", path: str = "") -> Referral:
    _check(referral, to_status)
    event = ReferralEvent.objects.create(
        referral=referral,
        from_status=referral.status,
        to_status=to_status,
        actor=actor if getattr(actor, "pk", None) else None,
        at=timezone.now(),
        note=note,
    )
    referral.status = to_status
    if to_status in (S.REDIRECTED, S.DECLINED, S.COMPLETED, S.CLOSED):
        referral.closed_at = event.at
    referral.save()
    audit.record(
        actor,
        "change",
        f"{referral} – {ReferralStatus(to_status).label}"[:300],
        resident_id=referral.resident.person_id,
        obj=referral,
        path=path,
    )
    return referral


def _locked(referral: Referral) -> Referral:
    return (
        Referral.objects.select_for_update(of=("self",))
        .select_related("to_team", "to_practitioner", "resident")
        .get(pk=referral.pk)
    )


def is_receiver(referral: Referral, user) -> bool:
    return (
        referral.to_team_id in user.team_ids
        or (referral.to_practitioner_id is not None and referral.to_practitioner_id == user.practitioner_id)
        or referral.owner_id == user.pk
    )


def actions_for(referral: Referral, user) -> list[str]:
    """What this user may do next: 'accept', 'redirect', 'decline', 'first_contact', 'complete', 'close'."""
    possible = TRANSITIONS[referral.status]
    allowed = []
    if is_receiver(referral, user) and user.has_capability("hold_caseload"):
        for name, status in (
            ("accept", S.ACCEPTED),
            ("redirect", S.REDIRECTED),
            ("decline", S.DECLINED),
            ("first_contact", S.FIRST_CONTACT),
            ("complete", S.COMPLETED),
        ):
            if status in possible:
                allowed.append(name)
        if referral.to_team.never_declines and "decline" in allowed:
            allowed.remove("decline")
    if S.CLOSED in possible and (is_receiver(referral, user) or referral.sender_id == user.pk):
        allowed.append("close")
    return allowed


@transaction.atomic
def send_referral(
    resident,
    sender,
    *,
    to_team=None,
    to_practitioner=None,
    reason: str,
    urgency: str,
    shared_information: str,
    resident_agreed: bool,
    preferred_contact: str,
    contact_details: str = "",
    sender_team=None,
    send_anyway: bool = False,
    path: str = "",
) -> Referral:
    """Refer to a team, or introduce to a named person (whose team then receives it too).

    A second open referral of the same resident to the same person (or, for a team referral, the
    same team) is refused unless ``send_anyway``: it is usually a double click or two colleagues
    acting at once, and the receiver would otherwise work the same request twice.
    """
    problems = {}
    if to_practitioner is not None:
        to_team = to_practitioner.team
    if to_team is None:
        problems["to_team"] = "Choose the team or the named person to refer to."
    elif not to_team.accepts_referrals and to_practitioner is None:
        problems["to_team"] = (
            f"{to_team.name} does not take referrals; introduce the resident to a named person there instead."
        )
    if not (reason or "").strip():
        problems["reason"] = "Say why you are referring the resident."
    if urgency not in Urgency.values:
        problems["urgency"] = "Choose how urgent this is."
    if not (shared_information or "").strip():
        problems["shared_information"] = "Say what the resident agreed may be shared."
    if not resident_agreed:
        problems["resident_agreed"] = "Confirm the resident agreed to the referral and to what is shared."
    if preferred_contact not in ContactRoute.values:
        problems["preferred_contact"] = "Choose how the resident would like to be contacted."
    if resident.is_deceased:
        problems["__all__"] = f"{resident.name} has died."
    if not problems and not send_anyway and (earlier := _open_duplicate(resident, to_team, to_practitioner)):
        problems["send_anyway"] = (
            f"{earlier.recipient_label} already has an open "
            f"{'introduction' if earlier.is_introduction else 'referral'} "
            f"of {resident.name}, sent by {earlier.sender.display_name} on "
            f"{timezone.localtime(earlier.sent_at):%-d %B %Y} ({earlier.get_status_display().lower()}). "
            "Tick 'Send it anyway' if this is a different request."
        )
    if problems:
        raise ValidationError(problems)
    now = timezone.now()
    if sender_team is None and sender.team_ids:
        sender_team = sender.memberships.select_related("team").first().team
    referral = Referral.objects.create(
        resident=resident,
        sender=sender,
        sender_team=sender_team,
        to_team=to_team,
        to_practitioner=to_practitioner,
        reason=reason.strip(),
        urgency=urgency,
        shared_information=shared_information.strip(),
        resident_agreed=True,
        preferred_contact=preferred_contact,
        contact_details=contact_details.strip(),
        status=S.SENT,
        sent_at=now,
        due_at=now + dt.timedelta(days=config.settings().referral_response_days[urgency]),
    )
    ReferralEvent.objects.create(referral=referral, from_status="", to_status=S.SENT, actor=sender, at=now)
    audit.record(sender, "create", f"{referral}"[:300], resident_id=resident.person_id, obj=referral, path=path)
    return referral


def _open_duplicate(resident, to_team, to_practitioner) -> Referral | None:
    earlier = Referral.objects.filter(resident=resident, status__in=OPEN_STATUSES).select_related(
        "sender", "to_team", "to_practitioner"
    )
    if to_practitioner is not None:
        earlier = earlier.filter(to_practitioner=to_practitioner)
    else:
        earlier = earlier.filter(to_team=to_team, to_practitioner__isnull=True)
    return earlier.order_by("-sent_at").first()


def _tell_sender(referral: Referral, actor, verb: str, onward: str = "") -> None:
    """The sender hears what became of their request in their inbox, not only as a status on a list."""
    if referral.sender_id is None or referral.sender_id == getattr(actor, "pk", None):
        return
    kind = "introduction" if referral.is_introduction else "referral"
    who = actor.display_name if getattr(actor, "pk", None) else referral.recipient_label
    title = f"{who} {verb} your {kind} of {referral.resident.name}{onward}"
    create_task(
        referral.sender,
        title[:300],
        timezone.localdate(),
        resident=referral.resident,
        link=reverse("care:referral", args=[referral.pk]),
        source=TaskSource.REFERRAL,
    )


@transaction.atomic
def accept(referral: Referral, actor, note: str = "", path: str = "") -> Referral:
    referral = _locked(referral)
    _check(referral, S.ACCEPTED)
    now = timezone.now()
    referral.owner = actor
    referral.accepted_at = now
    referral.due_at = now + dt.timedelta(days=config.settings().first_contact_days)
    _move(referral, S.ACCEPTED, actor, note, path)
    # Taking a resident on puts them on the receiving team's caseload, held by the acceptor.
    open_case(referral.resident, referral.to_team, actor, source=CaseSource.REFERRAL, holder=actor, path=path)
    _tell_sender(referral, actor, "accepted")
    return referral


@transaction.atomic
def decline(referral: Referral, actor, reason: str, path: str = "") -> Referral:
    referral = _locked(referral)
    if referral.to_team.never_declines:
        raise TransitionError(
            f"{referral.to_team.name} never declines: redirect the resident to the right team or person instead."
        )
    if not (reason or "").strip():
        raise ValidationError({"reason": "Say why you are declining, so the sender can find the right help."})
    referral.decline_reason = reason.strip()
    _move(referral, S.DECLINED, actor, reason.strip(), path)
    _tell_sender(referral, actor, "declined")
    return referral


@transaction.atomic
def redirect(referral: Referral, actor, *, to_team=None, to_practitioner=None, note: str, path: str = "") -> Referral:
    """Pass the referral on. Returns the new referral, which keeps the original's content."""
    referral = _locked(referral)
    _check(referral, S.REDIRECTED)
    if not (note or "").strip():
        raise ValidationError({"note": "Say why you are redirecting, so the sender knows."})
    target_team = to_practitioner.team if to_practitioner else to_team
    if target_team is None:
        raise ValidationError({"to_team": "Choose where to redirect the referral."})
    if target_team.pk == referral.to_team_id and (
        to_practitioner is None or to_practitioner.pk == referral.to_practitioner_id
    ):
        raise ValidationError({"to_team": "Choose a different team or person from the current one."})
    _move(referral, S.REDIRECTED, actor, note.strip(), path)
    onward = send_referral(
        referral.resident,
        referral.sender,
        to_team=target_team,
        to_practitioner=to_practitioner,
        reason=referral.reason + f"\n\nRedirected by {actor.display_name}: {note.strip()}",
        urgency=referral.urgency,
        shared_information=referral.shared_information,
        resident_agreed=True,
        preferred_contact=referral.preferred_contact,
        contact_details=referral.contact_details,
        sender_team=referral.sender_team,
        send_anyway=True,
        path=path,  # the receiver chose where it goes
    )
    referral.redirected_to = onward
    referral.save(update_fields=["redirected_to"])
    _tell_sender(referral, actor, "passed on", f" to {onward.recipient_label}")
    return onward


@transaction.atomic
def record_first_contact(referral: Referral, actor, note: str = "", path: str = "") -> Referral:
    referral = _locked(referral)
    _check(referral, S.FIRST_CONTACT)
    referral.first_contact_at = timezone.now()
    referral.due_at = referral.first_contact_at
    record_contact(
        referral.resident,
        referral.to_team.organisation.name,
        f"First contact after {'introduction' if referral.is_introduction else 'referral'} from "
        f"{referral.sender.display_name}",
        actor,
    )
    return _move(referral, S.FIRST_CONTACT, actor, note, path)


@transaction.atomic
def complete(referral: Referral, actor, note: str = "", path: str = "") -> Referral:
    return _move(_locked(referral), S.COMPLETED, actor, note, path)


@transaction.atomic
def close(referral: Referral, actor, note: str, path: str = "") -> Referral:
    if not (note or "").strip():
        raise ValidationError({"note": "Say why the referral is being closed."})
    return _move(_locked(referral), S.CLOSED, actor, note.strip(), path)


def responsiveness(team, *, since_days: int = 365) -> dict:
    """How a team responds, computed from its referrals in the last ``since_days`` days.

    - ``median_days_to_first_contact``: median of (first contact − sent) in days, over referrals
      that reached first contact; None when there are none.
    - ``share_accepted``: accepted (including those later contacted, completed or closed after
      acceptance) ÷ referrals that received a decision (accepted, redirected or declined).
    Counts are given so a page can suppress or caveat small numbers.
    """
    since = timezone.now() - dt.timedelta(days=since_days)
    referrals = list(
        Referral.objects.filter(to_team=team, sent_at__gte=since).only(
            "status", "sent_at", "accepted_at", "first_contact_at"
        )
    )
    contacted = [(r.first_contact_at - r.sent_at).total_seconds() / 86400 for r in referrals if r.first_contact_at]
    accepted = sum(1 for r in referrals if r.accepted_at)
    decided = accepted + sum(1 for r in referrals if r.status in (S.REDIRECTED, S.DECLINED))
    return {
        "referrals": len(referrals),
        "decided": decided,
        "accepted": accepted,
        "share_accepted": (accepted / decided) if decided else None,
        "contacted": len(contacted),
        "median_days_to_first_contact": statistics.median(contacted) if contacted else None,
        "since_days": since_days,
        "definition": (
            "Over referrals and introductions sent to the team in the last year: median days from "
            "sending to first contact with the resident, and the share of decisions that were acceptances."
        ),
    }


def open_case_for(referral: Referral) -> Case | None:
    return Case.objects.filter(resident=referral.resident, team=referral.to_team, closed_at__isnull=True).first()
