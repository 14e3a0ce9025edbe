"""The one access point for resident data.

Every view, export, API endpoint and background job that touches an identifiable resident goes
through here. A user may see a resident only through a **legitimate relationship** (caseload,
referral or introduction, meeting agenda, outreach allocation) or an active **break-glass**
grant. Each app contributes its kinds of relationship by registering a provider, so the rule
lives in one place while the facts live with the apps that own them.

On top of the relationship come the role limits: VCSE workers see clinical detail only with
the resident's consent (``may_see_clinical_detail``); analysts and administrators lack
``view_residents`` and so never reach a resident at all.

Some relationships open only part of the record: a CHWW whose round includes a household sees
what a doorstep visit needs (the ``outreach`` scope), never conditions, risk or the timeline.
Such a relationship counts only where the caller asks for its scope (``scopes=``); everywhere
else, including the record page and other apps' pages, it is no relationship at all.

The access point says *what may be shown*, not only whether: ``open_record`` returns the
resident with the basis and the scope (FULL, NO_CLINICAL or OUTREACH) and writes the one audit
entry; ``octopus.residents.fields`` declares which fields each scope may see, and the resident
presenter applies it for pages, fragments, the API and exports alike. Records that hang off a
resident (referrals, care plans, check-ins, messages) are reached through ``scoped`` querysets,
so a primary key never fetches a row before the check (decision 0017).
"""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import BooleanField, ExpressionWrapper, Q, QuerySet, Value
from django.utils import timezone

from octopus.residents.models import Resident

from . import audit
from .models import BreakGlassAccess, BreakGlassReason

# How much of a resident's record a user may see.
FULL = "full"  # the whole record, clinical detail included
NO_CLINICAL = "no_clinical"  # the whole record without clinical detail (role, or VCSE without consent)
OUTREACH = "outreach"  # only what a doorstep visit needs (octopus.outreach.presenters)
RECORD = frozenset({FULL, NO_CLINICAL})  # what the record page and every other resident page need
EVERY_SCOPE = frozenset({FULL, NO_CLINICAL, OUTREACH})
# Each scope sees everything the scopes below it see (octopus.residents.fields relies on this).
SCOPE_ORDER = (OUTREACH, NO_CLINICAL, FULL)


def covers(scope: str, minimum: str) -> bool:
    """Does ``scope`` include what ``minimum`` shows? ``covers(FULL, NO_CLINICAL)`` is True."""
    return SCOPE_ORDER.index(scope) >= SCOPE_ORDER.index(minimum)


@dataclass(frozen=True)
class RelationshipKind:
    code: str
    description: str
    # Returns a Q over Resident selecting the residents this user is related to this way.
    residents_q: Callable[[object], Q]
    # None when the relationship opens the record; otherwise the one scope it opens, and the URL
    # name (taking person_id) of the page that shows that much.
    limited_to: str | None = None
    limited_view: str = ""


_KINDS: dict[str, RelationshipKind] = {}


def register(code: str, description: str, *, limited_to: str | None = None, limited_view: str = ""):
    """Decorator for a provider: ``@access.register("caseload", "On your team's caseload")``.

    A relationship that should show only part of the record names its scope, e.g.
    ``limited_to=access.OUTREACH, limited_view="outreach:resident"``.
    """
    if limited_to is not None and limited_to in RECORD:
        raise ValueError(f"{code}: limited_to must be a limited scope such as {OUTREACH!r}, not {limited_to!r}.")

    def decorator(func: Callable[[object], Q]):
        _KINDS[code] = RelationshipKind(code, description, func, limited_to, limited_view)
        return func

    return decorator


def unregister(code: str) -> None:
    """For tests that register a provider of their own."""
    _KINDS.pop(code, None)


def kinds() -> dict[str, RelationshipKind]:
    return dict(_KINDS)


def _may_see_residents(user) -> bool:
    return bool(user and user.is_authenticated and user.has_capability("view_residents"))


# --- break glass -------------------------------------------------------------------------


class BreakGlassRefused(PermissionDenied):
    """The request cannot be granted; the message says why and what to do."""


def break_glass_duration() -> timedelta:
    return timedelta(hours=float(getattr(settings, "OCTOPUS_BREAK_GLASS_HOURS", 4)))


def _active_grants(user) -> QuerySet[BreakGlassAccess]:
    return BreakGlassAccess.objects.filter(user=user, expires_at__gt=timezone.now())


def break_glass_for(user, resident: Resident) -> BreakGlassAccess | None:
    """The user's active break-glass grant for this resident, if any (for the record's banner)."""
    if not _may_see_residents(user) or resident is None:
        return None
    return _active_grants(user).filter(resident=resident).order_by("-expires_at").first()


def request_break_glass(user, resident: Resident, reason: str, detail: str, *, path: str = "") -> BreakGlassAccess:
    """Grant time-limited access to one resident, audited and queued for the IG lead's review."""
    if not _may_see_residents(user):
        raise BreakGlassRefused(
            "Your role does not include opening residents' records, so break glass is not available."
        )
    if reason not in BreakGlassReason.values:
        raise ValidationError({"reason": f"Choose a reason from the list (got {reason!r})."})
    detail = (detail or "").strip()
    if len(detail) < 10:
        raise ValidationError(
            {"detail": "Explain in a sentence why you need this record now (at least 10 characters)."}
        )
    now = timezone.now()
    with transaction.atomic():
        grant = BreakGlassAccess.objects.create(
            user=user,
            resident=resident,
            reason=reason,
            detail=detail,
            granted_at=now,
            expires_at=now + break_glass_duration(),
        )
        audit.record(
            user,
            "break_glass",
            f"Broke glass: {grant.reason_text} – {detail}"[:300],
            resident_id=resident.person_id,
            obj=grant,
            basis=break_glass_basis(grant),
            path=path,
        )
    return grant


def break_glass_basis(grant: BreakGlassAccess) -> str:
    return f"Break glass: {grant.reason_text}"


# --- the access decision -------------------------------------------------------------------


def _counts(kind: RelationshipKind, scopes: frozenset[str]) -> bool:
    return kind.limited_to in scopes if kind.limited_to else bool(scopes & RECORD)


def _terms(condition: Q) -> list[Q]:
    """The terms of an OR, flattened (``A | (B | C)`` gives A, B, C); anything else is one term.

    So a provider should give alternatives as top-level ``|`` terms, ideally
    ``Q(pk__in=<queryset>.values("resident_id"))``: an OR inside an AND stays one term, and
    PostgreSQL reads every resident to evaluate it (decision 0014).
    """
    if not condition:
        return []  # an empty Q selects nobody here, as Q(...) | Q() ignores it
    if condition.connector != Q.OR or condition.negated:
        return [condition]
    return [term for child in condition.children for term in _terms(child if isinstance(child, Q) else Q(child))]


def _ids(term: Q) -> QuerySet:
    """The resident ids one term selects, as a one-column query. ``pk__in=<one-column queryset>``
    is that queryset as it stands: joining it back to the residents only adds cost."""
    if not term.negated and len(term.children) == 1 and isinstance(term.children[0], tuple):
        lookup, value = term.children[0]
        plain = isinstance(value, QuerySet) and not value.query.is_sliced and not value.query.combinator
        if lookup in ("pk__in", "id__in") and plain and len(value.query.values_select) == 1:
            return value.order_by()
    return Resident.objects.filter(term).values("pk")


def residents_for(user, *, scopes: frozenset[str] = RECORD) -> QuerySet[Resident]:
    """All residents this user may open. Empty for users without the capability.

    ``scopes`` says which access counts: by default what opens the record (relationships and
    break glass); a page showing only the outreach fields passes ``{OUTREACH}``.
    """
    terms = _access_terms(user, scopes)
    if not terms:
        return Resident.objects.none()
    # A UNION ALL of one query per relationship term, not one WHERE with their OR: PostgreSQL
    # cannot turn an OR of ``id IN (subquery)`` into a join, so it read every resident (1M: a
    # sequential scan per caseload, search or inbox); each term is a few index lookups instead.
    return Resident.objects.filter(pk__in=_union_of_ids(terms)).distinct()


def _union_of_ids(terms: list[Q]) -> QuerySet:
    """The ids each term selects, one query per term, as one UNION ALL."""
    branches = [_ids(term) for term in terms]
    return branches[0].union(*branches[1:], all=True)


def resident_ids_upto(user, limit: int, *, scopes: frozenset[str] = RECORD) -> list[int] | None:
    """The ids of the residents this user may open if there are at most ``limit``, else None.

    The union of ``residents_for``, read no further than ``limit`` + 1 rows: each relationship's
    ids come by its own index, so a practice's few thousand cost a few milliseconds and a PCN's
    50,000 stop at the limit. A page over a user's residents can then read those few by primary
    key instead of scanning every resident for them (decision 0079)."""
    terms = _access_terms(user, scopes)
    if not terms:
        return []
    ids = {next(iter(row.values())) for row in _union_of_ids(terms)[: limit + 1]}
    return sorted(ids) if len(ids) <= limit else None


def _access_terms(user, scopes: frozenset[str]) -> list[Q]:
    """The alternatives that give this user access, one Q on residents each (empty: nobody)."""
    if not _may_see_residents(user):
        return []
    terms = [Q(pk__in=_active_grants(user).values("resident_id"))] if scopes & RECORD else []
    for kind in _KINDS.values():
        if _counts(kind, scopes):
            terms += _terms(kind.residents_q(user))
    return terms


def opens_record_through(user, code: str) -> bool:
    """Whether relationship ``code`` is registered and opens the record for this user: then rows
    that *are* that relationship (an open case on the user's team for ``caseload``) are residents
    the user may open, with no need to intersect them with ``residents_for`` (decision 0069)."""
    kind = _KINDS.get(code)
    return kind is not None and kind.limited_to is None and _may_see_residents(user)


def openable_among(user, ids: list[int]) -> set[int]:
    """Those of a handful of residents whose records this user may open.

    The terms' OR restricted to the ids, as ``residents_for_scan`` writes it: PostgreSQL reads
    the few ids by primary key and checks each against the terms' hashed sets. ``residents_for``
    with the same filter built the whole union of the user's residents first (42 ms a record page
    at 1M against 7 ms)."""
    if not ids:
        return set()
    return set(residents_for_scan(user).filter(pk__in=ids).values_list("pk", flat=True))


def with_openable(user, residents: QuerySet[Resident]) -> QuerySet[Resident]:
    """``residents`` (a handful: a household) each with ``openable``: whether this user may open
    their record. The same OR of terms as ``openable_among``, in the query that reads them, so a
    page that lists people and links those it may open asks once."""
    either = _either(_access_terms(user, RECORD))
    openable = ExpressionWrapper(either, output_field=BooleanField()) if either else Value(False)
    return residents.annotate(openable=openable)


def residents_for_scan(user, *, scopes: frozenset[str] = RECORD) -> QuerySet[Resident]:
    """The same residents as ``residents_for``, as one WHERE with the terms' OR: for queries that
    read most residents anyway (a cohort list filters on JSON no index serves, a count over
    everyone). There PostgreSQL evaluates each ``id IN (subquery)`` as a hashed set, once, as it
    scans; the union in ``residents_for`` is estimated at 200 rows whatever its size and, for a
    practice or PCN relationship covering 50,000 residents, was joined back by 50,000 index
    lookups (decision 0026). Pages that name few residents keep ``residents_for``."""
    either = _either(_access_terms(user, scopes))
    return Resident.objects.filter(either) if either else Resident.objects.none()


def _either(terms: list[Q]) -> Q:
    """The terms' OR; an empty Q (which would select everyone) when there are none."""
    either = Q()
    for term in terms:
        either |= term
    return either


@dataclass(frozen=True)
class Access:
    """Why a user may see a resident (the audited basis) and how much of the record that opens."""

    basis: str
    scope: str
    kind: RelationshipKind | None  # None for break glass


def _related(user, resident: Resident, kind: RelationshipKind) -> bool:
    return Resident.objects.filter(kind.residents_q(user), pk=resident.pk).exists()


def _strongest(
    user, resident: Resident | None, scopes: frozenset[str] = EVERY_SCOPE
) -> tuple[str, RelationshipKind | None] | None:
    """The basis and kind of the strongest access that counts for ``scopes`` (kind None for
    break glass), or None.

    A relationship that opens the record wins over break glass, so the audit names the stronger
    basis; break glass wins over a limited relationship, because it opens more (a CHWW who breaks
    glass in an emergency on the doorstep sees the record, and the IG lead reviews it).
    """
    if not _may_see_residents(user) or resident is None:
        return None
    if scopes & RECORD:
        for kind in _KINDS.values():
            if kind.limited_to is None and _related(user, resident, kind):
                return kind.description, kind
        grant = break_glass_for(user, resident)
        if grant is not None:
            return break_glass_basis(grant), None
    for kind in _KINDS.values():
        if kind.limited_to is not None and kind.limited_to in scopes and _related(user, resident, kind):
            return kind.description, kind
    return None


def _scope(user, resident: Resident, kind: RelationshipKind | None, wanted: frozenset[str]) -> str:
    if kind is not None and kind.limited_to is not None:
        return kind.limited_to
    # Working out FULL or NO_CLINICAL costs queries (VCSE consent); skip it when either will do.
    return NO_CLINICAL if RECORD <= wanted else _record_scope(user, resident)


def access_for(user, resident: Resident | None) -> Access | None:
    """The strongest access this user has to this resident, with its scope, or None."""
    found = _strongest(user, resident)
    if found is None:
        return None
    basis, kind = found
    return Access(basis, _scope(user, resident, kind, frozenset()), kind)


def record_scope(user, resident: Resident) -> str | None:
    """``FULL``, ``NO_CLINICAL`` or a limited scope such as ``OUTREACH``; None without access."""
    found = access_for(user, resident)
    return found.scope if found else None


def basis_for(user, resident: Resident, *, scopes: frozenset[str] = RECORD) -> str | None:
    """Why this user may see this resident ("On your team's caseload", "Break glass: …"), or None.

    By default only access that opens the record counts; pass ``scopes`` to count limited access.
    """
    found = _strongest(user, resident, scopes)
    if found is None:
        return None
    basis, kind = found
    return basis if _scope(user, resident, kind, scopes) in scopes else None


class NoRelationship(PermissionDenied):
    """Raised by ``get_resident``; carries the person id so the 403 page can offer break glass."""

    def __init__(self, message: str, person_id: str = "", exists: bool = False):
        super().__init__(message)
        self.person_id = person_id
        self.exists = exists


class LimitedRelationship(NoRelationship):
    """The user's relationship shows only part of the record, not the page asked for. The 403
    page says so and links to the page that shows what the relationship allows."""

    def __init__(self, person_id: str, access: Access):
        super().__init__(
            f"Your relationship with this resident ({access.basis.lower()}) shows only what that work needs, not this "
            "page.",
            person_id,
            exists=True,
        )
        self.basis = access.basis
        self.limited_view = access.kind.limited_view if access.kind else ""


@dataclass(frozen=True)
class OpenedRecord:
    """A resident as one user may see them: why (the audited basis) and how much (the scope).

    Unpacks as ``resident, basis = ...`` for callers written before the scope was returned.
    """

    resident: Resident
    basis: str
    scope: str

    def __iter__(self):
        return iter((self.resident, self.basis))

    @property
    def clinical(self) -> bool:
        return self.scope == FULL


def record_for(user, person_id: str, *, scopes: frozenset[str] = RECORD) -> OpenedRecord:
    """The resident with basis and scope, or PermissionDenied (the view offers break glass).
    Writes no audit entry: views showing the resident use ``open_record``; a view that only
    changes something lets the service's audit entry speak for it.

    Pages that show only what a limited relationship allows pass its scope in ``scopes``.
    """
    resident = Resident.objects.filter(person_id=person_id).first()
    if resident is None:
        raise NoRelationship("No such resident, or you have no relationship with them.", person_id)
    found = _strongest(user, resident, scopes)
    if found is not None:
        basis, kind = found
        scope = kind.limited_to if kind is not None and kind.limited_to else _record_scope(user, resident)
        if scope in scopes:
            return OpenedRecord(resident, basis, scope)
    elsewhere = access_for(user, resident)
    if elsewhere is None:
        raise NoRelationship("You have no legitimate relationship with this resident.", person_id, exists=True)
    raise LimitedRelationship(person_id, elsewhere)


def get_resident(user, person_id: str, *, scopes: frozenset[str] = RECORD) -> tuple[Resident, str]:
    """The resident and the basis for access, or PermissionDenied: ``record_for`` without the scope,
    for callers that show no resident fields themselves."""
    opened = record_for(user, person_id, scopes=scopes)
    return opened.resident, opened.basis


def open_record(
    request, person_id: str, summary: str = "Opened the resident's record", *, scopes: frozenset[str] = RECORD
) -> OpenedRecord:
    """The one way a view shows a resident: ``record_for`` plus the one audit entry for viewing
    identifiable data. Hand ``.resident`` and ``.scope`` to the presenter
    (``octopus.residents.fields.present``), never the bare resident to a template or schema."""
    opened = record_for(request.user, person_id, scopes=scopes)
    audit.record_request(request, "view", summary, resident_id=opened.resident.person_id, basis=opened.basis)
    return opened


def scopes_for(user, residents) -> dict[int, str]:
    """The record scope (FULL or NO_CLINICAL) of each of ``residents``, by primary key, for lists.

    Call only with residents from ``residents_for(user)``: it does not check the relationship,
    only how much of the record it opens. Two queries at most, whatever the length of the list.
    """
    residents = list(residents)
    if not residents or not _may_see_residents(user):
        return {}
    if not is_vcse_user(user):
        scope = FULL if user.has_capability("view_clinical_detail") else NO_CLINICAL
        return {r.pk: scope for r in residents}
    consented = _consented_to_vcse_sharing([r.pk for r in residents])
    return {r.pk: FULL if r.pk in consented else NO_CLINICAL for r in residents}


def list_scope(user) -> str:
    """The scope a list may assume for *every* row, before asking per resident: what it may filter
    and sort by. FULL only for roles with ``view_clinical_detail`` outside the VCSE, whose
    clinical detail depends on each resident's consent (``scopes_for`` decides per row)."""
    if _may_see_residents(user) and user.has_capability("view_clinical_detail") and not is_vcse_user(user):
        return FULL
    return NO_CLINICAL


def _consented_to_vcse_sharing(resident_ids: list[int]) -> set[int]:
    """``has_consent(…, SHARE_CLINICAL_WITH_VCSE)`` for many residents in one query: the latest
    decision of that kind per resident, given and not expired."""
    from .models import Consent, ConsentKind, ConsentStatus

    latest: dict[int, Consent] = {}
    decisions = Consent.objects.filter(resident_id__in=resident_ids, kind=ConsentKind.SHARE_CLINICAL_WITH_VCSE)
    for decision in decisions.order_by("resident_id", "-recorded_at", "-id"):
        latest.setdefault(decision.resident_id, decision)
    today = timezone.localdate()
    return {
        pk
        for pk, decision in latest.items()
        if decision.status == ConsentStatus.GIVEN and (decision.expires_on is None or decision.expires_on >= today)
    }


def scoped(user, records: QuerySet, *, via: str = "resident", scopes: frozenset[str] = RECORD) -> QuerySet:
    """``records`` (referrals, care plans, check-ins, messages, …) narrowed to those about residents
    this user may open, so ``get_object_or_404(access.scoped(user, Referral.objects), pk=…)`` never
    fetches another resident's row. ``via`` is the path from the record to its resident
    (``"plan__resident"`` for a care-plan action)."""
    return records.filter(**{f"{via}__in": residents_for(user, scopes=scopes).values("pk")})


# --- role limits on top of the relationship -----------------------------------------------


def is_vcse_user(user) -> bool:
    """VCSE workers, and anyone whose only organisations are in the VCSE heart."""
    if not getattr(user, "is_authenticated", False):
        return False
    if "vcse_worker" in user.role_codes:
        return True
    from octopus.directory.models import Heart

    hearts = user.organisation_hearts
    return bool(hearts) and hearts <= {Heart.VCSE}


def may_see_clinical_detail(user, resident: Resident) -> bool:
    """Diagnoses, medication, risk reasons: the capability, a basis that opens the record, and for
    VCSE staff consent."""
    return record_scope(user, resident) == FULL


def _record_scope(user, resident: Resident) -> str:
    """The scope of access that opens the record: the role and consent limits on clinical detail."""
    if is_vcse_user(user):
        from .consent import has_consent
        from .models import ConsentKind

        return FULL if has_consent(resident, ConsentKind.SHARE_CLINICAL_WITH_VCSE) else NO_CLINICAL
    return FULL if user.has_capability("view_clinical_detail") else NO_CLINICAL


def review_break_glass(
    *, actor, grant: BreakGlassAccess, outcome: str, note: str = "", path: str = ""
) -> BreakGlassAccess:
    """The IG lead's verdict on one break-glass access (audited)."""
    if outcome not in [value for value in BreakGlassAccess.Outcome.values if value]:
        raise ValidationError({"outcome": "Choose an outcome."})
    if outcome != BreakGlassAccess.Outcome.APPROPRIATE and not note.strip():
        raise ValidationError({"note": "Say what follow-up is needed."})
    with transaction.atomic():
        grant.reviewed_by = actor
        grant.reviewed_at = timezone.now()
        grant.outcome = outcome
        grant.review_note = note.strip()
        grant.save(update_fields=["reviewed_by", "reviewed_at", "outcome", "review_note"])
        audit.record(
            actor,
            "review",
            f"Reviewed break glass by {grant.user.username}: {grant.get_outcome_display()}"[:300],
            resident_id=grant.resident.person_id,
            obj=grant,
            path=path,
        )
    return grant
