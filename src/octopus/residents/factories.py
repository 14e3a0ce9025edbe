"""Small, readable residents for tests and browser journeys (not the synthetic population).

Uses the model managers directly: this is test scaffolding, never called from a view.
"""

import datetime as dt
import itertools

from django.utils import timezone

from .models import ActivityEvent, ActivityKind, Household, Resident

_counter = itertools.count(1)


# A valid NHS number needs a modulus-11 check digit; these helpers make distinct valid ones.
def _nhs_number(seed: int) -> str:
    base = f"{9000000000 + seed * 7:010d}"[:9]
    for attempt in range(1000):
        stem = f"{(int(base) + attempt) % 10**9:09d}"
        total = sum(int(d) * w for d, w in zip(stem, range(10, 1, -1), strict=True))
        check = 11 - total % 11
        if check == 11:
            check = 0
        if check != 10:
            return stem + str(check)
    raise AssertionError("unreachable")


def make_household(**fields) -> Household:
    n = next(_counter)
    defaults = {
        "household_id": f"H{n:06d}",
        "address_line": f"{n} Church Street",
        "postcode": "NW8 8EU",
        "lsoa_code": "E01004680",
    }
    defaults.update(fields)
    return Household.objects.create(**defaults)


def make_resident(**fields) -> Resident:
    n = next(_counter)
    household = fields.pop("household", None)
    defaults = {
        "person_id": f"P{n:08d}",
        "nhs_number": _nhs_number(n),
        "given_name": "Alex",
        "family_name": f"Testperson{n}",
        "date_of_birth": dt.date(1950, 1, 1) + dt.timedelta(days=97 * n),
        "sex": "female",
        "address_line": household.address_line if household else f"{n} Edgware Road",
        "postcode": household.postcode if household else "W2 1DX",
        "lsoa_code": household.lsoa_code if household else "E01004664",
        "imd_decile": 2,
        "practice_ods_code": "E87711",
        "main_language": "English",
        "risk_probability": 0.18,
        "risk_band": "high",
        "risk_factors": ["2 A&E attendances in the last 6 months", "Heart failure"],
        "segment": "Adults with long-term conditions",
        "long_term_conditions": ["Heart failure", "Type 2 diabetes"],
        "frailty_category": "moderate",
        "cohorts": ["Rising risk"],
    }
    defaults.update(fields)
    return Resident.objects.create(household=household, **defaults)


def make_activity(resident: Resident, kind: str = ActivityKind.AE, days_ago: int = 10, **fields) -> ActivityEvent:
    defaults = {
        "occurred_on": timezone.localdate() - dt.timedelta(days=days_ago),
        "source_organisation": "Imperial College Healthcare NHS Trust",
        "summary": "Attended A&E with breathlessness",
    }
    defaults.update(fields)
    return ActivityEvent.objects.create(resident=resident, kind=kind, **defaults)
