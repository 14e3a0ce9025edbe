"""What a CHWW sees about a resident through the outreach relationship: the outreach fields and
nothing else. Views build these from residents they reached with ``scopes={access.OUTREACH}``;
templates never get the Resident itself, so a template change cannot leak clinical detail.

The outreach fields: name, age (not the date of birth), household, main language and
interpreter need, contact preferences and "do not contact", and the open prevention gaps listed
in outreach.yaml (``doorstep_prompts``, an IG decision: decision 0021). Not: NHS number, phone,
email, conditions, risk, segment, cohorts, the timeline, care plans or referrals.
"""

from dataclasses import dataclass

from octopus.governance import consent
from octopus.governance.models import ContactRoute
from octopus.residents.presenters import age

from . import config


@dataclass(frozen=True)
class OutreachResident:
    person_id: str
    name: str
    given_name: str
    age: int | None
    language: str
    interpreter_needed: bool
    preferred_contact: str
    refused_contact: list[str]
    do_not_contact: bool
    may_visit: bool
    not_to_visit_reason: str
    due: list[str]


def _label(route: str) -> str:
    return ContactRoute(route).label if route in ContactRoute.values else route


def outreach_residents(residents) -> list[OutreachResident]:
    """The outreach view of each resident, in the order given (two queries for the lot)."""
    residents = list(residents)
    preferences = consent.current_preferences(residents)
    visits = consent.may_contact_many(residents, ContactRoute.VISIT)
    settings = config.settings()
    shown = []
    for r in residents:
        preference = preferences.get(r.pk)
        may_visit, reason = visits[r.pk]
        years = age(r.date_of_birth)
        gaps = {gap.get("programme") for gap in (r.prevention_gaps or [])}
        shown.append(
            OutreachResident(
                person_id=r.person_id,
                name=r.name,
                given_name=r.given_name,
                age=years,
                language=(preference.language if preference and preference.language else r.main_language)
                or "Not recorded",
                interpreter_needed=bool(r.interpreter_needed or (preference and preference.interpreter_needed)),
                preferred_contact=_label(preference.preferred_route)
                if preference and preference.preferred_route
                else "",
                refused_contact=[_label(route) for route in (preference.refused_routes if preference else [])],
                do_not_contact=bool(preference and preference.do_not_contact),
                may_visit=may_visit,
                not_to_visit_reason=reason,
                due=[
                    label
                    for programme, label in settings.doorstep_prompts.items()
                    if programme in gaps and (years or 0) >= settings.prompt_min_ages.get(programme, 0)
                ],
            )
        )
    return shown
