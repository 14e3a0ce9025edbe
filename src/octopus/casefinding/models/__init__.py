"""Case-finding models, one file per concept."""

from .check_in_programme import CheckInProgramme
from .decision import ListDecision, Outcome
from .discharge_follow_up import DischargeFollowUp

__all__ = ["CheckInProgramme", "DischargeFollowUp", "ListDecision", "Outcome"]
