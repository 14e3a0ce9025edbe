"""Which of a resident's fields each access scope may see: declared once, here, as a table.

Every view of a resident — the record page, its HTMX fragments, the JSON API, printed and
exported documents — gets its fields from ``present(resident, scope)``, which copies only the
fields the scope allows. A template or schema that asks for a field outside the scope gets
nothing, so a new page cannot show more than its scope by accident (decision 0017).

The scopes nest (``access.SCOPE_ORDER``): OUTREACH ⊂ NO_CLINICAL ⊂ FULL. The rules come from
``accounts/roles.yaml`` (``view_clinical_detail``: "diagnoses, medication, risk reasons") and
the record page as it was designed, and are written out in docs/information-governance.md:

- OUTREACH (a CHWW's doorstep visit): who they are and how to talk to them. Age, not the date
  of birth; no NHS number, address detail beyond the household the CHWW already holds, phone,
  email or anything from the population snapshot.
- NO_CLINICAL (social prescribers, CHWWs after break glass, VCSE workers without the resident's
  consent to share health details): the demographic record and how to reach the resident.
- FULL (roles with ``view_clinical_detail``, VCSE workers with consent): the population
  snapshot as well — risk, band, segment, conditions, frailty, cohorts, flags. Band and segment
  are here, not in NO_CLINICAL: both are read from diagnoses and activity (a "Frailty" segment or
  a "Very high" band is itself health information), and the record page always hid them.

This is code, not a configuration file an INT edits: loosening it is an information-governance
change that needs review and the field tests in tests/authorization/test_field_scopes.py.
"""

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from types import MappingProxyType

from octopus.governance.access import FULL, NO_CLINICAL, OUTREACH, SCOPE_ORDER, covers

from .models import Resident
from .presenters import age


@dataclass(frozen=True)
class Field:
    minimum: str  # the narrowest scope that may see it
    read: Callable[[Resident], object]


def _field(minimum: str, read: Callable[[Resident], object] | None, *, attr: str) -> Field:
    return Field(minimum, read or (lambda r, a=attr: getattr(r, a)))


# Field name → how to read it (None: the model attribute of that name), one table per scope.
_OUTREACH = {
    "person_id": None,
    "name": None,
    "given_name": None,
    "family_name": None,
    "age": lambda r: age(r.date_of_birth),
    "main_language": None,
    "interpreter_needed": None,
}
_NO_CLINICAL = {
    "nhs_number": None,
    "date_of_birth": None,
    "sex": None,
    "sex_label": lambda r: r.get_sex_display(),
    "ethnicity_group": None,
    "address_line": None,
    "postcode": None,
    "lsoa_code": None,
    "imd_decile": None,
    "practice_ods_code": None,
    "registered": None,
    "phone": None,
    "email": None,
    "date_of_death": None,
    "is_deceased": None,
    "household_id": None,
}
_FULL = {
    "risk_probability": None,
    "risk_centile": None,
    "risk_band": None,
    "risk_factors": lambda r: list(r.risk_factors or []),
    "segment": None,
    "rising_risk": None,
    "rising_risk_reason": None,
    "long_term_conditions": lambda r: list(r.long_term_conditions or []),
    "frailty_category": None,
    "cohorts": lambda r: list(r.cohorts or []),
    # Open prevention gaps: clinical (a diabetes care process gap says the resident has
    # diabetes). A CHWW sees only the doorstep prompts outreach.yaml allows (decision 0021).
    "prevention_gaps": lambda r: list(r.prevention_gaps or []),
    "flags": lambda r: dict(r.flags or {}),
    "snapshot_as_of": None,
}

# Model fields no surface shows: the database key, the household foreign key (shown as
# ``household_id`` above), and which pipeline run wrote the snapshot fields (for operators).
SHOWN_NOWHERE = frozenset({"id", "snapshot_run_id"})

FIELDS: Mapping[str, Field] = MappingProxyType(
    {
        name: _field(scope, read, attr=name)
        for scope, table in ((OUTREACH, _OUTREACH), (NO_CLINICAL, _NO_CLINICAL), (FULL, _FULL))
        for name, read in table.items()
    }
)


def visible(scope: str) -> frozenset[str]:
    """The names of the fields ``scope`` may see."""
    if scope not in SCOPE_ORDER:
        raise ValueError(f"Unknown access scope {scope!r}; expected one of {', '.join(SCOPE_ORDER)}.")
    return frozenset(name for name, field in FIELDS.items() if covers(scope, field.minimum))


def withheld(scope: str) -> frozenset[str]:
    """The names of the fields ``scope`` may not see (the API lists them, so a reader knows a
    missing value was withheld rather than not recorded)."""
    return frozenset(FIELDS) - visible(scope)


class ResidentView:
    """The fields of one resident that one scope may see, read like the resident itself
    (``shown.nhs_number``). Asking for a withheld field raises AttributeError, which a Jinja
    template renders as nothing and Python code notices."""

    __slots__ = ("_values", "scope")

    def __init__(self, scope: str, values: Mapping[str, object]):
        object.__setattr__(self, "scope", scope)
        object.__setattr__(self, "_values", MappingProxyType(dict(values)))

    def __getattr__(self, name: str):
        values = object.__getattribute__(self, "_values")
        if name in values:
            return values[name]
        if name in FIELDS:
            raise AttributeError(f"{name!r} is not shown in the {object.__getattribute__(self, 'scope')!r} scope.")
        raise AttributeError(name)

    def __setattr__(self, name, value):
        raise AttributeError("A ResidentView is read-only.")

    @property
    def clinical(self) -> bool:
        return self.scope == FULL

    def shows(self, name: str) -> bool:
        return name in self._values

    def as_dict(self) -> dict[str, object]:
        return dict(self._values)


def present(resident: Resident, scope: str) -> ResidentView:
    """The resident as ``scope`` may see them. ``scope`` comes from the access point
    (``access.open_record(...).scope`` or ``access.scopes_for``), never from the view."""
    return ResidentView(scope, {name: FIELDS[name].read(resident) for name in sorted(visible(scope))})


def present_many(residents, scopes: Mapping[int, str]) -> list[ResidentView]:
    """``present`` for a list; ``scopes`` from ``access.scopes_for(user, residents)``. A resident
    missing from ``scopes`` is an error, not a default: every row needs its scope decided."""
    return [present(r, scopes[r.pk]) for r in residents]
