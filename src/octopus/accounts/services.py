"""Writing accounts: every change here is audited, whoever makes it (CLI, admin page, demo)."""

from django.db import transaction

from octopus.governance import audit

from .models import Membership, User
from .roles import catalogue


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
    Membership.objects.create(user=user, team=team, role=role)
    audit.record(actor, "create", f"Created user {username} as {role} in {team.name}", obj=user)
    return user


@transaction.atomic
def set_active(*, actor, user: User, active: bool) -> None:
    user.is_active = active
    user.save(update_fields=["is_active"])
    audit.record(actor, "change", f"{'Reactivated' if active else 'Deactivated'} user {user.username}", obj=user)


@transaction.atomic
def add_membership(*, actor, user: User, team, role: str) -> Membership:
    catalogue().role(role)
    membership, _ = Membership.objects.get_or_create(user=user, team=team, role=role)
    audit.record(actor, "change", f"Added {user.username} to {team.name} as {role}", obj=user)
    return membership


@transaction.atomic
def remove_membership(*, actor, membership: Membership) -> None:
    audit.record(
        actor,
        "change",
        f"Removed {membership.user.username} from {membership.team.name} as {membership.role}",
        obj=membership.user,
    )
    membership.delete()
