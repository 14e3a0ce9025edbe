"""Roles and capabilities, read from ``roles.yaml`` (configuration as data)."""

from dataclasses import dataclass
from functools import cache
from pathlib import Path

import yaml

ROLES_FILE = Path(__file__).with_name("roles.yaml")


class RolesFileError(ValueError):
    """The roles file is malformed; the message names the file and the entry at fault."""


# Capabilities that open no resident data: a role made only of these takes effect at once.
# Any other role needs a second person's approval, and never goes with ``administer``
# (separation of duties, decision 0020).
ADMINISTRATIVE_CAPABILITIES = frozenset({"view_directory", "edit_directory", "administer"})


@dataclass(frozen=True)
class Role:
    code: str
    label: str
    capabilities: frozenset[str]

    @property
    def opens_resident_data(self) -> bool:
        return bool(self.capabilities - ADMINISTRATIVE_CAPABILITIES)


@dataclass(frozen=True)
class RoleCatalogue:
    capabilities: dict[str, str]
    roles: dict[str, Role]

    def role(self, code: str) -> Role:
        try:
            return self.roles[code]
        except KeyError:
            raise KeyError(f"Unknown role {code!r}; known roles: {', '.join(self.roles)}") from None

    def choices(self) -> list[tuple[str, str]]:
        return [(role.code, role.label) for role in self.roles.values()]


def parse_roles(text: str, source: str = str(ROLES_FILE)) -> RoleCatalogue:
    document = yaml.safe_load(text) or {}
    if not isinstance(document, dict):
        raise RolesFileError(f"{source}: expected a mapping with 'capabilities' and 'roles'.")
    capabilities = document.get("capabilities")
    roles = document.get("roles")
    if not isinstance(capabilities, dict) or not capabilities:
        raise RolesFileError(f"{source}: 'capabilities' must map each capability to a description.")
    if not isinstance(roles, dict) or not roles:
        raise RolesFileError(f"{source}: 'roles' must map each role code to its definition.")
    parsed = {}
    for code, entry in roles.items():
        where = f"{source}: roles.{code}"
        if not isinstance(entry, dict) or "label" not in entry:
            raise RolesFileError(f"{where}: each role needs a 'label' and 'capabilities'.")
        granted = entry.get("capabilities") or []
        unknown = sorted(set(granted) - set(capabilities))
        if unknown:
            raise RolesFileError(f"{where}.capabilities: unknown capability {', '.join(unknown)}.")
        parsed[code] = Role(code=code, label=str(entry["label"]), capabilities=frozenset(granted))
        if "administer" in granted and parsed[code].opens_resident_data:
            raise RolesFileError(f"{where}.capabilities: 'administer' cannot go with capabilities that open resident "
                                 "data (separation of duties, decision 0020).")
    return RoleCatalogue(capabilities=dict(capabilities), roles=parsed)


@cache
def catalogue() -> RoleCatalogue:
    return parse_roles(ROLES_FILE.read_text(), str(ROLES_FILE))


def role_choices() -> list[tuple[str, str]]:
    """For model fields: a module-level callable so migrations stay stable when roles change."""
    return catalogue().choices()
