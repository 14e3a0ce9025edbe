"""The one access point for resident data.

Every view, export, API endpoint and background job that touches an identifiable resident goes
through here. A user may see a resident only through a **legitimate relationship** (caseload,
referral or introduction, meeting agenda, outreach allocation) or an active **break-glass**
grant. Each app contributes its kinds of relationship by registering a provider, so the rule
lives in one place while the facts live with the apps that own them.
"""

from collections.abc import Callable
from dataclasses import dataclass

from django.core.exceptions import PermissionDenied
from django.db.models import Q, QuerySet

from octopus.residents.models import Resident


@dataclass(frozen=True)
class RelationshipKind:
    code: str
    description: str
    # Returns a Q over Resident selecting the residents this user is related to this way.
    residents_q: Callable[[object], Q]


_KINDS: dict[str, RelationshipKind] = {}


def register(code: str, description: str):
    """Decorator for a provider: ``@access.register("caseload", "On your team's caseload")``."""

    def decorator(func: Callable[[object], Q]):
        _KINDS[code] = RelationshipKind(code, description, func)
        return func

    return decorator


def kinds() -> dict[str, RelationshipKind]:
    return dict(_KINDS)


def _may_see_residents(user) -> bool:
    return bool(user and user.is_authenticated and user.has_capability("view_residents"))


def residents_for(user) -> QuerySet[Resident]:
    """All residents this user may open. Empty for users without the capability."""
    if not _may_see_residents(user):
        return Resident.objects.none()
    condition = Q(pk__in=[])
    for kind in _KINDS.values():
        condition |= kind.residents_q(user)
    return Resident.objects.filter(condition).distinct()


def basis_for(user, resident: Resident) -> str | None:
    """Why this user may see this resident ("caseload: …"), or None if they may not."""
    if not _may_see_residents(user):
        return None
    for kind in _KINDS.values():
        if Resident.objects.filter(kind.residents_q(user), pk=resident.pk).exists():
            return kind.description
    return None


def get_resident(user, person_id: str) -> tuple[Resident, str]:
    """The resident and the basis for access, or PermissionDenied (the view offers break-glass)."""
    resident = Resident.objects.filter(person_id=person_id).first()
    if resident is None:
        raise PermissionDenied("No such resident, or you have no relationship with them.")
    basis = basis_for(user, resident)
    if basis is None:
        raise PermissionDenied("You have no legitimate relationship with this resident.")
    return resident, basis
