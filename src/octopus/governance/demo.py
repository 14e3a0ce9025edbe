"""Demo consent to be discussed at an MDT, recorded through the consent service.

The residents the demo's meetings would discuss (everyone their worklist sources match, and
everyone with a case or referral) are asked, as a care coordinator would before a first
integrated care conference: most give explicit consent; a resident with dementia on their record
is taken as lacking capacity to decide, and their GP decides in their best interests (Mental
Capacity Act 2005, s.4); a few refuse; a few have not been asked yet. Which resident falls where
is fixed by their person id, so a rerun decides the same way. Safe to repeat: residents with a
decision already recorded are left alone.
"""

import hashlib

from django.db import transaction

from octopus.residents.models import Resident

from .consent import record_consent
from .models import Consent, ConsentKind, ConsentStatus, LawfulBasis

NOT_YET_ASKED = 6  # per cent of residents, by their person id
REFUSED = 3
BEST_INTERESTS_RATIONALE = (
    "Lacks capacity to decide about being discussed at the MDT (dementia; capacity assessed by the GP). "
    "Discussing their care across the team is in their best interests; their daughter was consulted."
)


def _bucket(person_id: str) -> int:
    return int(hashlib.sha256(person_id.encode()).hexdigest()[:8], 16) % 100


@transaction.atomic
def seed_discuss_consent(residents, actor, decider: str) -> dict:
    """Record consent to discuss for ``residents`` (an iterable of Resident); return counts."""
    counts = dict.fromkeys(["explicit", "best_interests", "refused", "not_asked", "already"], 0)
    residents = list(residents)
    decided = set(
        Consent.objects.filter(kind=ConsentKind.DISCUSS_AT_MDT, resident__in=[r.pk for r in residents]).values_list(
            "resident_id", flat=True
        )
    )
    for resident in residents:
        if resident.pk in decided:
            counts["already"] += 1
            continue
        bucket = _bucket(resident.person_id)
        if bucket < NOT_YET_ASKED:
            counts["not_asked"] += 1
        elif "dementia" in {label.lower() for label in resident.long_term_conditions or []}:
            record_consent(
                actor=actor,
                resident=resident,
                kind=ConsentKind.DISCUSS_AT_MDT,
                status=ConsentStatus.GIVEN,
                basis=LawfulBasis.BEST_INTERESTS,
                rationale=BEST_INTERESTS_RATIONALE,
                decided_by=decider,
            )
            counts["best_interests"] += 1
        elif bucket < NOT_YET_ASKED + REFUSED:
            record_consent(
                actor=actor, resident=resident, kind=ConsentKind.DISCUSS_AT_MDT, status=ConsentStatus.REFUSED
            )
            counts["refused"] += 1
        else:
            record_consent(actor=actor, resident=resident, kind=ConsentKind.DISCUSS_AT_MDT, status=ConsentStatus.GIVEN)
            counts["explicit"] += 1
    return counts


def discussed_residents(series_list) -> "list[Resident]":
    """Living residents any of the series' worklist sources match, or with a case or referral."""
    from octopus.care.models import Case, Referral
    from octopus.meetings.services.worklist import find_candidates

    pks = set()
    for series in series_list:
        pks |= set(find_candidates(series).matched)
    pks |= set(Case.objects.values_list("resident_id", flat=True))
    pks |= set(Referral.objects.values_list("resident_id", flat=True))
    return list(Resident.objects.filter(pk__in=pks, date_of_death__isnull=True).order_by("pk"))
