"""Care coordination models, one file per concept."""

from .advance_care import AdvanceCarePlan, CareFocus, CprRecommendation, PreferredPlace
from .case import Case, CaseOutcome, CaseSource
from .check_in import CheckIn, CheckInStatus
from .plan import CarePlan, CarePlanAction, CarePlanVersion, NeedDomain
from .referral import Referral, ReferralEvent, ReferralStatus
from .rising_risk import RisingRiskNote
from .task import Task, TaskSource
from .tier import CareTier, TierAssignment

__all__ = [
    "AdvanceCarePlan",
    "CareFocus",
    "CprRecommendation",
    "PreferredPlace",
    "CarePlan",
    "CarePlanAction",
    "CarePlanVersion",
    "CareTier",
    "Case",
    "CaseOutcome",
    "CaseSource",
    "CheckIn",
    "CheckInStatus",
    "NeedDomain",
    "Referral",
    "ReferralEvent",
    "ReferralStatus",
    "RisingRiskNote",
    "Task",
    "TaskSource",
    "TierAssignment",
]
