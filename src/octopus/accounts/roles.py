"""Roles and capabilities, read from ``roles.yaml`` (configuration as data)."""

from pydantic import Field, field_validator, model_validator

from octopus.config import FILES, Schema, load, parse_text

ROLES_FILE = FILES["roles.yaml"].default


# Capabilities that open no resident data: a role made only of these takes effect at once.
# Any other role needs a second person's approval, and never goes with ``administer``
# (separation of duties, decision 0020).
ADMINISTRATIVE_CAPABILITIES = frozenset({"view_directory", "edit_directory", "administer"})


class Role(Schema):
    code: str = Field("", description="Set from the key under roles; not written in the file.")
    label: str = Field(min_length=1, description="The role's name as people see it.")
    capabilities: frozenset[str] = Field(frozenset(), description="Capabilities the role grants (from capabilities).")

    @field_validator("capabilities", mode="before")
    @classmethod
    def _none_is_empty(cls, value):
        return [] if value is None else value

    @property
    def opens_resident_data(self) -> bool:
        return bool(self.capabilities - ADMINISTRATIVE_CAPABILITIES)


class RoleCatalogue(Schema):
    """Roles and capabilities (``roles.yaml``)."""

    capabilities: dict[str, str] = Field(min_length=1, description="Each capability and what it lets a user do.")
    roles: dict[str, Role] = Field(min_length=1, description="Each role by its code: label and capabilities.")

    @field_validator("roles")
    @classmethod
    def _codes(cls, roles: dict[str, Role]) -> dict[str, Role]:
        return {code: role.model_copy(update={"code": code}) for code, role in roles.items()}

    @model_validator(mode="after")
    def _grants(self):
        for code, role in self.roles.items():
            unknown = sorted(role.capabilities - set(self.capabilities))
            if unknown:
                raise ValueError(f"roles.{code}.capabilities: unknown capability {', '.join(unknown)}.")
            if "administer" in role.capabilities and role.opens_resident_data:
                raise ValueError(
                    f"roles.{code}.capabilities: 'administer' cannot go with capabilities that open "
                    "resident data (separation of duties, decision 0020)."
                )
        return self

    def role(self, code: str) -> Role:
        try:
            return self.roles[code]
        except KeyError:
            raise KeyError(f"Unknown role {code!r}; known roles: {', '.join(self.roles)}") from None

    def choices(self) -> list[tuple[str, str]]:
        return [(role.code, role.label) for role in self.roles.values()]


def parse_roles(text: str, source: str = "roles.yaml") -> RoleCatalogue:
    return parse_text(text, RoleCatalogue, source)


def catalogue() -> RoleCatalogue:
    return load("roles.yaml")


def role_choices() -> list[tuple[str, str]]:
    """For model fields: a module-level callable so migrations stay stable when roles change."""
    return catalogue().choices()
