"""Users and their memberships of teams. A user's role comes from their team membership."""

from functools import cached_property

from django.contrib.auth.models import AbstractUser
from django.db import models

from .roles import catalogue, role_choices


class User(AbstractUser):
    """A person who signs in. Linked to a directory practitioner when they are one."""

    practitioner = models.OneToOneField(
        "directory.Practitioner",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="user",
        help_text="The directory entry for this person, so colleagues can find and reach them.",
    )

    @property
    def display_name(self) -> str:
        return self.get_full_name() or self.username

    @cached_property
    def _memberships(self) -> tuple[tuple[str, int, int, str, str], ...]:
        # Role, team, organisation, its heart and ODS code in one read: every page asks several
        # of these (capabilities, the access point's teams and practices, the scope's hearts),
        # each a query or a subquery before.
        return tuple(
            self.memberships.values_list(
                "role", "team_id", "team__organisation_id", "team__organisation__heart", "team__organisation__ods_code"
            )
        )

    @property
    def role_codes(self) -> frozenset[str]:
        return frozenset(role for role, *_ in self._memberships)

    @cached_property
    def capabilities(self) -> frozenset[str]:
        roles = catalogue()
        granted: set[str] = set()
        for code in self.role_codes:
            if code in roles.roles:
                granted |= roles.roles[code].capabilities
        return frozenset(granted)

    def has_capability(self, capability: str) -> bool:
        return self.is_active and capability in self.capabilities

    @property
    def team_ids(self) -> frozenset[int]:
        return frozenset(team for _, team, *_ in self._memberships)

    @property
    def organisation_ids(self) -> frozenset[int]:
        return frozenset(organisation for _, _, organisation, *_ in self._memberships)

    @property
    def organisation_hearts(self) -> frozenset[str]:
        """The hearts (NHS, council, VCSE…) of the user's organisations."""
        return frozenset(heart for *_, heart, _ in self._memberships)

    def organisation_codes(self, roles) -> frozenset[str]:
        """The ODS codes of the organisations where the user holds any of ``roles``."""
        return frozenset(code for role, *_, code in self._memberships if role in roles and code)


class Membership(models.Model):
    """A user's place in a team, with the role they hold there."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="memberships")
    team = models.ForeignKey("directory.Team", on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(max_length=40, choices=role_choices)
    started = models.DateField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "team", "role"], name="unique_membership")]

    def __str__(self) -> str:
        return f"{self.user} – {self.get_role_display()} in {self.team}"


class MembershipGrant(models.Model):
    """A request to give someone a role in a team, and its decision (decision 0020).

    A role that opens resident data takes effect only when a second person, the information
    governance lead or a manager of that team, approves it; the administrator who asks cannot.
    Every grant is kept, pending, approved or refused, for the IG lead to review.
    """

    class Status(models.TextChoices):
        PENDING = "pending", "Waiting for approval"
        APPROVED = "approved", "Approved"
        REFUSED = "refused", "Refused"

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="membership_grants")
    team = models.ForeignKey("directory.Team", on_delete=models.CASCADE, related_name="+")
    role = models.CharField(max_length=40, choices=role_choices)
    requested_by = models.ForeignKey(
        User,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text="Empty when the server operator granted it at the command line.",
    )
    requested_at = models.DateTimeField(db_index=True)
    via = models.CharField(
        max_length=100, help_text="Where the request came from: the administration pages or the server's command line."
    )
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING, db_index=True)
    decided_by = models.ForeignKey(User, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_note = models.TextField(blank=True)

    class Meta:
        ordering = ["-requested_at", "-id"]

    def __str__(self) -> str:
        return f"{self.user} as {self.role} in {self.team} ({self.status})"
