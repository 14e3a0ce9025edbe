"""Which social prescribing fields each viewer may see: declared once, as a table, and applied
by ``present`` for pages and exports alike (the pattern of ``residents.fields``, decision 0017).

Two scopes, nested:

- ``ON_CASELOAD``: anyone who may open the resident's record (caseload, referral, break glass).
  They learn that the resident has a link worker, which team, who, and since when — enough to
  coordinate — but not why, what matters to them, their goals, introductions or wellbeing
  scores: a resident tells a link worker things in confidence that are not health records, and
  a wellbeing score is a mental-health measure (UK GDPR Article 9).
- ``LINK_WORKER``: members of the team whose caseload it is, and the link worker who holds it.

Loosening this is an information-governance change: tests/authorization/test_social_prescribing_fields.py.
"""

from dataclasses import dataclass

ON_CASELOAD = "on_caseload"
LINK_WORKER = "link_worker"
ORDER = (ON_CASELOAD, LINK_WORKER)

FIELDS: dict[str, str] = {
    "pk": ON_CASELOAD,
    "team": ON_CASELOAD,
    "link_worker": ON_CASELOAD,
    "referred_on": ON_CASELOAD,
    "is_open": ON_CASELOAD,
    "source": LINK_WORKER,
    "reasons": LINK_WORKER,
    "what_matters": LINK_WORKER,
    "goals": LINK_WORKER,
    "introductions": LINK_WORKER,
    "scores": LINK_WORKER,
}


def scope_for(user, prescription) -> str:
    case = prescription.case
    return LINK_WORKER if case.team_id in user.team_ids or case.holder_id == user.pk else ON_CASELOAD


def _read(prescription, name: str):
    case = prescription.case
    if name == "team":
        return case.team.name
    if name == "link_worker":
        return case.holder.display_name if case.holder else ""
    if name == "is_open":
        return case.is_open
    if name in ("goals", "introductions", "scores"):
        return list(getattr(prescription, name).all())
    return getattr(prescription, name)


@dataclass(frozen=True)
class PrescriptionView:
    scope: str
    values: dict

    def __getattr__(self, name):
        try:
            return self.__dict__["values"][name]
        except KeyError:
            raise AttributeError(f"{name!r} is not shown in the {self.__dict__['scope']} scope.") from None

    def shows(self, name: str) -> bool:
        return name in self.values


def present(prescription, scope: str) -> PrescriptionView:
    """Only the fields ``scope`` may see; asking for another raises AttributeError."""
    allowed = ORDER[: ORDER.index(scope) + 1]
    return PrescriptionView(
        scope, {name: _read(prescription, name) for name, minimum in FIELDS.items() if minimum in allowed}
    )
