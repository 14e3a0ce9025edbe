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
    def role_codes(self) -> frozenset[str]:
        return frozenset(self.memberships.values_list("role", flat=True))

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

    @cached_property
    def team_ids(self) -> frozenset[int]:
        return frozenset(self.memberships.values_list("team_id", flat=True))

    @cached_property
    def organisation_ids(self) -> frozenset[int]:
        return frozenset(self.memberships.values_list("team__organisation_id", flat=True))


class Membership(models.Model):
    """A user's place in a team, with the role they hold there."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="memberships")
    team = models.ForeignKey("directory.Team", on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(max_length=40, choices=role_choices)
    started = models.DateField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "team", "role"], name="unique_membership")
        ]

    def __str__(self) -> str:
        return f"{self.user} – {self.get_role_display()} in {self.team}"
