"""Writing accounts: every change here is audited, whoever makes it (CLI, admin page, demo).

Separation of duties (decision 0020): a role that opens resident data is only *requested* by
an administrator; it takes effect when the information governance lead, or a manager of that
team, approves it. Nobody approves their own request or a grant to themselves, administrators
never approve, and nobody holds ``administer`` together with a role that opens resident data.
The server's operator at the command line (``octopus createuser``, ``octopus demo``) is the
bootstrap: the grant is approved at once and recorded as the operator's.
"""

import getpass

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from octopus.governance import audit

from .models import Membership, MembershipGrant, User
from .roles import catalogue


def _operator() -> str:
    try:
        return getpass.getuser()
    except Exception:  # no login name in some containers; the entry still says "command line"
        return "unknown"


def _roles_after(user: User, extra_role: str) -> set[str]:
    held = set(Membership.objects.filter(user=user).values_list("role", flat=True))
    pending = set(
        MembershipGrant.objects.filter(user=user, status=MembershipGrant.Status.PENDING).values_list("role", flat=True)
    )
    return held | pending | {extra_role}


def check_separation(user: User, role: str) -> None:
    """Refuse a role that would let one person both administer accounts and open resident data."""
    roles = catalogue()
    codes = _roles_after(user, role)
    administers = any("administer" in roles.roles[code].capabilities for code in codes if code in roles.roles)
    opens = [roles.roles[code].label for code in codes if code in roles.roles and roles.roles[code].opens_resident_data]
    if administers and opens:
        raise ValidationError(
            {
                "role": (
                    f"{user.username} cannot both administer accounts and hold a role that opens resident data "
                    f"({', '.join(sorted(opens))}): give these to different people."
                )
            }
        )


def _approve(grant: MembershipGrant, decided_by, note: str) -> Membership:
    grant.status = MembershipGrant.Status.APPROVED
    grant.decided_by = decided_by
    grant.decided_at = timezone.now()
    grant.decision_note = note
    grant.save(update_fields=["status", "decided_by", "decided_at", "decision_note"])
    membership, _ = Membership.objects.get_or_create(user=grant.user, team=grant.team, role=grant.role)
    return membership


@transaction.atomic
def request_membership(*, actor, user: User, team, role: str) -> MembershipGrant:
    """Ask for ``user`` to hold ``role`` in ``team``. Takes effect at once only for a role that
    opens no resident data, or when ``actor`` is None (the server operator at the command line)."""
    definition = catalogue().role(role)  # a clear error for an unknown role before anything is written
    check_separation(user, role)
    same = MembershipGrant.objects.filter(user=user, team=team, role=role)
    pending = same.filter(status=MembershipGrant.Status.PENDING).first()
    if pending:
        return pending
    if Membership.objects.filter(user=user, team=team, role=role).exists():
        # Already held (perhaps from before grants were recorded): nothing to ask for.
        return same.filter(status=MembershipGrant.Status.APPROVED).first() or MembershipGrant(
            user=user, team=team, role=role, status=MembershipGrant.Status.APPROVED
        )
    grant = MembershipGrant.objects.create(
        user=user,
        team=team,
        role=role,
        requested_by=actor if getattr(actor, "pk", None) else None,
        requested_at=timezone.now(),
        via="administration pages" if actor is not None else f"server command line (operator {_operator()})",
    )
    if actor is None:
        _approve(grant, None, "Granted by the server operator at the command line (bootstrap).")
        audit.record(
            None,
            "change",
            f"Granted {user.username} {role} in {team.name} at the server command line (operator {_operator()})",
            obj=grant,
        )
    elif not definition.opens_resident_data:
        _approve(grant, None, "No approval needed: the role opens no resident data.")
        audit.record(actor, "change", f"Added {user.username} to {team.name} as {role}", obj=grant)
    else:
        audit.record(
            actor, "change", f"Asked for {user.username} to be {role} in {team.name}: waiting for approval", obj=grant
        )
    return grant


def _check_decider(actor, grant: MembershipGrant) -> None:
    if not (actor and actor.is_authenticated and actor.has_capability("approve_access")):
        raise PermissionDenied("Only the information governance lead or a team manager can decide on access.")
    if actor.has_capability("administer"):
        raise PermissionDenied("An administrator cannot approve access (separation of duties).")
    if actor.pk == grant.user_id:
        raise PermissionDenied("Nobody can decide on their own access.")
    if actor.pk == grant.requested_by_id:
        raise PermissionDenied("The person who asked for this access cannot also approve it.")
    if not actor.has_capability("review_audit") and grant.team_id not in actor.team_ids:
        raise PermissionDenied("A team manager can decide only on access to their own teams.")
    if grant.status != MembershipGrant.Status.PENDING:
        raise ValidationError({"decision": f"This request was already {grant.get_status_display().lower()}."})


@transaction.atomic
def approve_grant(*, actor, grant: MembershipGrant, note: str = "", path: str = "") -> Membership:
    grant = MembershipGrant.objects.select_for_update().get(pk=grant.pk)
    _check_decider(actor, grant)
    # The user's roles may have changed since the request: check again at the moment it takes effect.
    check_separation(grant.user, grant.role)
    membership = _approve(grant, actor, note)
    audit.record(
        actor, "change", f"Approved {grant.user.username} as {grant.role} in {grant.team.name}", obj=grant, path=path
    )
    return membership


@transaction.atomic
def refuse_grant(*, actor, grant: MembershipGrant, note: str, path: str = "") -> None:
    grant = MembershipGrant.objects.select_for_update().get(pk=grant.pk)
    _check_decider(actor, grant)
    if not note.strip():
        raise ValidationError({"note": "Say why the access is refused, so the administrator can tell the person."})
    grant.status = MembershipGrant.Status.REFUSED
    grant.decided_by = actor
    grant.decided_at = timezone.now()
    grant.decision_note = note
    grant.save(update_fields=["status", "decided_by", "decided_at", "decision_note"])
    audit.record(
        actor, "change", f"Refused {grant.user.username} as {grant.role} in {grant.team.name}", obj=grant, path=path
    )


@transaction.atomic
def create_user(
    *,
    actor,
    username: str,
    password: str | None,
    team,
    role: str,
    first_name: str = "",
    last_name: str = "",
    email: str = "",
    practitioner=None,
) -> User:
    catalogue().role(role)  # a clear error for an unknown role before anything is written
    user = User(
        username=username,
        first_name=first_name,
        last_name=last_name,
        email=email,
        practitioner=practitioner,
    )
    if password:
        user.set_password(password)
    else:
        user.set_unusable_password()
    user.save()
    audit.record(actor, "create", f"Created user {username}", obj=user)
    request_membership(actor=actor, user=user, team=team, role=role)
    return user


@transaction.atomic
def set_active(*, actor, user: User, active: bool) -> None:
    user.is_active = active
    user.save(update_fields=["is_active"])
    audit.record(actor, "change", f"{'Reactivated' if active else 'Deactivated'} user {user.username}", obj=user)


def add_membership(*, actor, user: User, team, role: str) -> MembershipGrant:
    """Kept for callers that predate approvals: the same as ``request_membership``."""
    return request_membership(actor=actor, user=user, team=team, role=role)


@transaction.atomic
def remove_membership(*, actor, membership: Membership) -> None:
    audit.record(
        actor,
        "change",
        f"Removed {membership.user.username} from {membership.team.name} as {membership.role}",
        obj=membership.user,
    )
    membership.delete()
