"""The "outreach" relationship, registered with the governance access point: a CHWW may see the
living residents of households allocated to them, while the allocation is active (the round
has started and not ended, and neither round nor allocation was withdrawn), and only the
outreach fields (``access.OUTREACH``; ``presenters.outreach_resident``)."""

from django.db.models import Q

from octopus.governance import access

from .models import Allocation

BASIS = "Lives in a household allocated to you for outreach"


@access.register("outreach", BASIS, limited_to=access.OUTREACH, limited_view="outreach:resident")
def outreach(user) -> Q:
    # Losing the CHWW role ends the relationship at once, whatever the allocations say.
    if not user.has_capability("do_outreach"):
        return Q(pk__in=[])
    households = Allocation.objects.active().filter(worker=user).values("household_id")
    return Q(household__in=households, date_of_death__isnull=True)
