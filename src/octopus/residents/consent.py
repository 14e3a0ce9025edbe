"""Consent and preferences on the record.

The governance app is adding a Consent model (consent to share, to be discussed at an MDT,
objections and opt-outs). Until then ``consent_records`` returns None and the record page says
so plainly rather than showing anything invented. Point this one function at the governance
model when it lands; the template already renders a list of ``ConsentLine``.
"""

from dataclasses import dataclass


@dataclass(frozen=True)
class ConsentLine:
    topic: str
    decision: str
    recorded_on: object
    recorded_by: str


def consent_records(resident) -> list[ConsentLine] | None:
    """None means "Octopus does not hold consent records yet"; [] would mean "none recorded"."""
    return None
