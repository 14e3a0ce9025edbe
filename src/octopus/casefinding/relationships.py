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

from octopus.accounts.models import Membership
from octopus.directory.models import GPPractice
from octopus.governance import access

from . import config

BASIS = "Registered with your GP practice or PCN"


def practices_for(user) -> QuerySet[GPPractice]:
    """The GP practices whose registered residents this user has a direct-care basis for."""
    if not getattr(user, "is_authenticated", False):
        return GPPractice.objects.none()
    rules = config.settings()
    memberships = Membership.objects.filter(user=user).exclude(team__organisation__ods_code="")
    practice_codes = memberships.filter(role__in=rules.practice_roles).values("team__organisation__ods_code")
    pcn_codes = memberships.filter(role__in=rules.pcn_roles).values("team__organisation__ods_code")
    return GPPractice.objects.filter(Q(ods_code__in=practice_codes) | Q(pcn_id__in=pcn_codes))


@access.register("practice", BASIS)
def practice(user) -> Q:
    # Registered now: a resident who moved practice belongs to the new practice's lists, and the
    # old practice keeps whatever other basis it has (a case, a referral).
    return Q(registered=True, practice_ods_code__in=practices_for(user).values("ods_code"))
