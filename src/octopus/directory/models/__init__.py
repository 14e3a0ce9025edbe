"""The directory's models, one module per concept: who (organisations), where (geography), what (services)."""

from .geography import LSOA, PCN, GPPractice, Neighbourhood
from .organisations import Heart, Organisation, Practitioner, Team, Tier
from .services import Location, Service, ServiceStatus, TaxonomyTerm, postcode_district

__all__ = [
    "LSOA",
    "PCN",
    "GPPractice",
    "Neighbourhood",
    "Heart",
    "Organisation",
    "Practitioner",
    "Team",
    "Tier",
    "Location",
    "Service",
    "ServiceStatus",
    "TaxonomyTerm",
    "postcode_district",
]
