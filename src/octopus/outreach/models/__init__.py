from .allocation import Allocation, AllocationQuerySet
from .condition import HouseholdCondition
from .plan_job import PlanJob
from .round import Round
from .visit import COUNTS_AS_VISITED, Visit, VisitOutcome

__all__ = [
    "Allocation",
    "AllocationQuerySet",
    "COUNTS_AS_VISITED",
    "HouseholdCondition",
    "PlanJob",
    "Round",
    "Visit",
    "VisitOutcome",
]
