"""The "practice" relationship, registered with the governance access point: staff of a GP
practice have a direct-care basis for the residents registered with it (``Resident.practice_ods_code``
from the GP registration feed), and a PCN's clinical staff for those of every practice in the PCN
(practice to PCN from the directory's reference data). Which roles count is configuration
(``casefinding.yaml``), so an INT decides, with its IG lead, whether a PCN's social prescribers
work the lists too.

A user is practice staff through a team in an organisation whose ODS code is the practice's; PCN
staff through an organisation whose code is the PCN's.
"""

from django.db.models import Q, QuerySet

from octopus.directory.models import GPPractice
from octopus.governance import access

from . import config

BASIS = "Registered with your GP practice or PCN"


def practices_for(user) -> QuerySet[GPPractice]:
    """The GP practices whose registered residents this user has a direct-care basis for."""
    return _practices(*_codes(user))


def _practices(practice_codes: frozenset[str], pcn_codes: frozenset[str]) -> QuerySet[GPPractice]:
    if not (practice_codes or pcn_codes):
        return GPPractice.objects.none()
    return GPPractice.objects.filter(Q(ods_code__in=sorted(practice_codes)) | Q(pcn_id__in=sorted(pcn_codes)))


def _codes(user) -> tuple[frozenset[str], frozenset[str]]:
    """The ODS codes of the user's practices and of their PCNs, from the memberships the user
    has already read (one query a request): the term below then needs no subquery over them."""
    if not getattr(user, "is_authenticated", False):
        return frozenset(), frozenset()
    rules = config.settings()
    return user.organisation_codes(rules.practice_roles), user.organisation_codes(rules.pcn_roles)


@access.register("practice", BASIS)
def practice(user) -> Q:
    # Registered now: a resident who moved practice belongs to the new practice's lists, and the
    # old practice keeps whatever other basis it has (a case, a referral).
    practice_codes, pcn_codes = _codes(user)
    if pcn_codes:
        return Q(registered=True, practice_ods_code__in=_practices(practice_codes, pcn_codes).values("ods_code"))
    # Practice staff only (most users): the codes themselves, no subquery to compile or run.
    return Q(registered=True, practice_ods_code__in=sorted(practice_codes))
