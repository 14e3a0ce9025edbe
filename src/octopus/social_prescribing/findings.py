"""Needs found and introductions made through social prescribing, for the frontline findings
dashboard (issue #20; ``community.findings``, decision 0043 on the drop-ins branch).

One dict per need found: a referral reason of a resident referred to a link worker in the
period, counted under the doorstep conversation's topic (decision 0031, ``reasons.need``), at
the resident's LSOA in the month they were referred. The first introduction made for that
reason rides on it; any other introduction is a dict of its own with ``need=""``. An
introduction is completed once the receiver recorded first contact or completed it (the outreach
supervision definition). No resident is named: an LSOA, a month and words.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

from octopus.outreach.supervision import DONE

from . import reasons
from .models import Prescription

SOURCE = "Social prescribing"


def destination(team) -> str:
    return f"{team.name} ({team.organisation.name})"


def _finding(lsoa: str, month: dt.date, need: str, introduction=None) -> dict:
    referral = introduction.referral if introduction else None
    return {
        "source": SOURCE,
        "lsoa_code": lsoa,
        "month": month,
        "need": need,
        "introductions": int(referral is not None),
        "introductions_completed": int(referral is not None and referral.status in DONE),
        "destination": destination(referral.to_team) if referral else None,
    }


def findings(start: dt.date, end: dt.date) -> Iterator[dict]:
    """Findings for residents referred from ``start`` up to but not including ``end``."""
    prescriptions = (
        Prescription.objects.filter(referred_on__gte=start, referred_on__lt=end)
        .select_related("case__resident")
        .prefetch_related("introductions__referral__to_team__organisation")
    )
    for prescription in prescriptions:
        lsoa = prescription.case.resident.lsoa_code
        month = prescription.referred_on.replace(day=1)
        waiting = list(prescription.introductions.all())
        for code in prescription.reasons:
            made = next((i for i in waiting if i.reason == code), None)
            if made is not None:
                waiting.remove(made)
            yield _finding(lsoa, month, reasons.need(code), made)
        for made in waiting:
            yield _finding(lsoa, month, "", made)
