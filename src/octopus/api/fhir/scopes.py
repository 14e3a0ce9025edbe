"""SMART-on-FHIR-style scopes: ``system/Patient.read`` (v1) or ``system/Patient.rs`` (v2).

A service account holds the scopes it was issued; a signed-in person reads as ``user/*.read``
(their role and relationships decide the rest, as on the pages). Only reading is offered, so a
scope that asks to write is refused when the account is issued, not silently ignored.
Grammar: https://hl7.org/fhir/smart-app-launch/STU2/scopes-and-launch-context.html
"""

import re

from django.core.exceptions import ValidationError

RESOURCE_TYPES = ("Patient", "Condition", "Encounter", "Observation", "CarePlan", "RiskAssessment", "Flag")
_SCOPE = re.compile(r"^(system|user)/(\*|[A-Z][A-Za-z]+)\.(read|\*|[cruds]+)$")
USER_SCOPES = frozenset({"user/*.read"})
# The one write: a virtual ward device creates Observations (decisions 0038 and 0053).
OBSERVATION_CREATE = "system/Observation.c"


def _reads(permission: str) -> bool:
    if permission in ("read", "*"):
        return True
    return set(permission) <= set("rs")  # v2: r (read) and s (search) only


def parse_scopes(text: str) -> frozenset[str]:
    """The scopes in ``text``, or ValidationError naming the first one Octopus cannot grant."""
    scopes = frozenset(text.split())
    if not scopes:
        raise ValidationError("Give at least one scope, e.g. 'system/Patient.read'.")
    for scope in sorted(scopes):
        match = _SCOPE.match(scope)
        if match is None:
            raise ValidationError(f"Scope {scope!r} is not a SMART scope such as 'system/Patient.read'.")
        context, resource, permission = match.groups()
        if resource != "*" and resource not in RESOURCE_TYPES:
            raise ValidationError(f"Scope {scope!r}: Octopus serves {', '.join(RESOURCE_TYPES)}, not {resource}.")
        # The one write: a virtual ward device adds observations, through the JSON API (decision
        # 0038) or as FHIR Observations (decision 0053).
        if not _reads(permission) and scope != OBSERVATION_CREATE:
            raise ValidationError(
                f"Scope {scope!r}: the FHIR API reads only, apart from {OBSERVATION_CREATE}; use .read or .rs."
            )
    return scopes


def allows(scopes: frozenset[str], resource_type: str) -> bool:
    """Do ``scopes`` let the holder read ``resource_type``?"""
    for scope in scopes:
        match = _SCOPE.match(scope)
        if match and match.group(2) in ("*", resource_type) and _reads(match.group(3)):
            return True
    return False
