"""Consent, objections and contact preferences: recording them (audited) and asking them.

Every part of Octopus that shares, discusses, analyses or contacts a resident asks here first:
``consent_to_discuss`` (meetings), ``analytics_excluded_person_ids`` (analytics and publishing),
``may_contact`` (anything that phones, texts, writes or visits).
"""

from dataclasses import dataclass
from datetime import date

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from octopus.residents.models import Resident

from . import audit
from .models import (
    Consent,
    ConsentKind,
    ConsentStatus,
    ContactPreference,
    ContactRoute,
    LawfulBasis,
    Objection,
    ObjectionKind,
)


@dataclass(frozen=True)
class ConsentDecision:
    """The current decision on one kind of consent, as other apps need to show and act on it."""

    kind: str
    status: str
    basis: str
    allowed: bool
    recorded_at: object
    recorded_by: str
    expires_on: date | None
    rationale: str
    decided_by: str

    @property
    def summary(self) -> str:
        verdict = "Yes" if self.allowed else "No"
        how = LawfulBasis(self.basis).label
        return f"{verdict} – {ConsentStatus(self.status).label.lower()} ({how}), recorded {self.recorded_at:%d %b %Y}"


def _decision(consent: Consent) -> ConsentDecision:
    return ConsentDecision(
        kind=consent.kind,
        status=consent.status,
        basis=consent.basis,
        allowed=consent.status == ConsentStatus.GIVEN,
        recorded_at=consent.recorded_at,
        recorded_by=consent.recorded_by.display_name if consent.recorded_by else "system",
        expires_on=consent.expires_on,
        rationale=consent.rationale,
        decided_by=consent.decided_by,
    )


def _unexpired(latest: Consent | None, today: date) -> ConsentDecision | None:
    if latest is None or (latest.expires_on is not None and latest.expires_on < today):
        return None
    return _decision(latest)


def current_consent(resident: Resident, kind: str, *, today: date | None = None) -> ConsentDecision | None:
    """The latest decision of this kind that has not expired, or None if nobody has asked."""
    today = today or timezone.localdate()
    latest = resident.consents.filter(kind=kind).select_related("recorded_by").order_by("-recorded_at", "-id").first()
    return _unexpired(latest, today)


def has_consent(resident: Resident, kind: str) -> bool:
    decision = current_consent(resident, kind)
    return decision is not None and decision.allowed


def consent_to_discuss(resident: Resident) -> ConsentDecision | None:
    """For meetings: may this resident be discussed at an MDT? None means nobody has asked yet."""
    return current_consent(resident, ConsentKind.DISCUSS_AT_MDT)


def consents_for(resident: Resident, *, today: date | None = None) -> dict[str, ConsentDecision | None]:
    """``current_consent`` for every kind, from one query (a resident has a handful of decisions)."""
    today = today or timezone.localdate()
    latest: dict[str, Consent] = {}
    for decision in resident.consents.select_related("recorded_by").order_by("-recorded_at", "-id"):
        latest.setdefault(decision.kind, decision)
    return {kind: _unexpired(latest.get(kind), today) for kind in ConsentKind.values}


@transaction.atomic
def record_consent(
    *,
    actor,
    resident: Resident,
    kind: str,
    status: str,
    basis: str = LawfulBasis.CONSENT,
    rationale: str = "",
    decided_by: str = "",
    expires_on: date | None = None,
    path: str = "",
) -> Consent:
    errors = {}
    if kind not in ConsentKind.values:
        errors["kind"] = f"Unknown kind of consent {kind!r}."
    if status not in ConsentStatus.values:
        errors["status"] = f"Unknown status {status!r}: use given, refused or withdrawn."
    if basis not in LawfulBasis.values:
        errors["basis"] = f"Unknown basis {basis!r}."
    if basis != LawfulBasis.CONSENT and not rationale.strip():
        errors["rationale"] = "Explain the decision: a basis other than the resident's own consent needs a rationale."
    if basis in (LawfulBasis.BEST_INTERESTS, LawfulBasis.LASTING_POWER_OF_ATTORNEY) and not decided_by.strip():
        errors["decided_by"] = "Name the person who made the decision."
    if expires_on is not None and expires_on < timezone.localdate():
        errors["expires_on"] = "The review date must be today or later."
    if errors:
        raise ValidationError(errors)
    consent = Consent.objects.create(
        resident=resident,
        kind=kind,
        status=status,
        basis=basis,
        rationale=rationale.strip(),
        decided_by=decided_by.strip(),
        recorded_by=actor if getattr(actor, "pk", None) else None,
        recorded_at=timezone.now(),
        expires_on=expires_on,
    )
    audit.record(
        actor,
        "change",
        f"Recorded consent: {ConsentKind(kind).label} – {ConsentStatus(status).label} ({LawfulBasis(basis).label})"[
            :300
        ],
        resident_id=resident.person_id,
        obj=consent,
        path=path,
    )
    return consent


# --- objections ------------------------------------------------------------------------------


@transaction.atomic
def record_objection(*, actor, resident: Resident, kind: str, source: str = "", path: str = "") -> Objection:
    if kind not in ObjectionKind.values:
        raise ValidationError({"kind": f"Unknown objection {kind!r}; use one of {', '.join(ObjectionKind.values)}."})
    existing = resident.objections.filter(kind=kind, withdrawn_at__isnull=True).first()
    if existing:
        return existing
    objection = Objection.objects.create(
        resident=resident,
        kind=kind,
        source=source,
        recorded_by=actor if getattr(actor, "pk", None) else None,
        recorded_at=timezone.now(),
    )
    audit.record(
        actor,
        "change",
        f"Recorded objection: {ObjectionKind(kind).label}"[:300],
        resident_id=resident.person_id,
        obj=objection,
        path=path,
    )
    return objection


@transaction.atomic
def withdraw_objection(*, actor, objection: Objection, path: str = "") -> Objection:
    if objection.withdrawn_at is None:
        objection.withdrawn_at = timezone.now()
        objection.save(update_fields=["withdrawn_at"])
        audit.record(
            actor,
            "change",
            f"Objection withdrawn: {objection.get_kind_display()}"[:300],
            resident_id=objection.resident.person_id,
            obj=objection,
            path=path,
        )
    return objection


def analytics_excluded_person_ids() -> set[str]:
    """Person ids to leave out of every analytics output (opt-outs and objections).

    The national data opt-out and type 1 objections cover uses beyond the resident's own care
    (planning, research, population dashboards); direct care for these residents continues.
    """
    return set(Objection.objects.filter(withdrawn_at__isnull=True).values_list("resident__person_id", flat=True))


# --- contact preferences ---------------------------------------------------------------------


def current_preference(resident: Resident) -> ContactPreference | None:
    return resident.contact_preferences.order_by("-recorded_at", "-id").first()


def current_preferences(residents) -> dict[int, ContactPreference]:
    """``current_preference`` for many residents in one query, keyed by resident pk."""
    latest: dict[int, ContactPreference] = {}
    preferences = ContactPreference.objects.filter(resident__in=[r.pk for r in residents])
    for preference in preferences.order_by("resident_id", "-recorded_at", "-id"):
        latest.setdefault(preference.resident_id, preference)
    return latest


@transaction.atomic
def record_contact_preference(
    *,
    actor,
    resident: Resident,
    preferred_route: str = "",
    refused_routes: list[str] | None = None,
    language: str = "",
    interpreter_needed: bool = False,
    do_not_contact: bool = False,
    note: str = "",
    path: str = "",
) -> ContactPreference:
    refused_routes = list(refused_routes or [])
    unknown = [r for r in [preferred_route, *refused_routes] if r and r not in ContactRoute.values]
    if unknown:
        raise ValidationError({"preferred_route": f"Unknown contact route(s): {', '.join(unknown)}."})
    if preferred_route and preferred_route in refused_routes:
        raise ValidationError({"preferred_route": "The preferred route cannot also be one the resident refused."})
    preference = ContactPreference.objects.create(
        resident=resident,
        preferred_route=preferred_route,
        refused_routes=refused_routes,
        language=language.strip(),
        interpreter_needed=interpreter_needed,
        do_not_contact=do_not_contact,
        note=note.strip(),
        recorded_by=actor if getattr(actor, "pk", None) else None,
        recorded_at=timezone.now(),
    )
    summary = "Recorded contact preferences" + (": do not contact" if do_not_contact else "")
    audit.record(actor, "change", summary, resident_id=resident.person_id, obj=preference, path=path)
    return preference


def may_contact(resident: Resident, route: str) -> tuple[bool, str]:
    """Whether anyone may contact this resident by this route now, and the reason if not.

    Everything that phones, texts, emails, writes to or visits a resident must call this.
    """
    if route not in ContactRoute.values:
        return False, f"Unknown contact route {route!r}."
    return _contact_decision(resident, current_preference(resident), route)


def may_contact_many(residents, route: str) -> dict[int, tuple[bool, str]]:
    """``may_contact`` for many residents at once (keyed by resident pk), in one query: for lists
    such as an outreach round, where a query per resident would be too slow."""
    if route not in ContactRoute.values:
        raise ValueError(f"Unknown contact route {route!r}.")
    residents = list(residents)
    latest = current_preferences(residents)
    return {r.pk: _contact_decision(r, latest.get(r.pk), route) for r in residents}


def _contact_decision(resident: Resident, preference: ContactPreference | None, route: str) -> tuple[bool, str]:
    if resident.is_deceased:
        return (
            False,
            f"The resident died on {resident.date_of_death:%d %B %Y}: do not contact them. Speak to the lead "
            "professional about contacting the family.",
        )
    if preference is not None:
        if preference.do_not_contact:
            return False, "The resident asked not to be contacted." + (
                f" ({preference.note})" if preference.note else ""
            )
        if route in preference.refused_routes:
            return False, f"The resident asked not to be contacted by {ContactRoute(route).label.lower()}."
    if route in (ContactRoute.PHONE, ContactRoute.SMS) and not resident.phone:
        return False, "No phone number is recorded for the resident."
    if route == ContactRoute.EMAIL and not resident.email:
        return False, "No email address is recorded for the resident."
    if route in (ContactRoute.LETTER, ContactRoute.VISIT) and not (resident.address_line or resident.household_id):
        return False, "No address is recorded for the resident."
    return True, ""
