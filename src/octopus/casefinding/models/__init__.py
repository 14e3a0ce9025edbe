"""Case-finding models, one file per concept."""

from .check_in_programme import CheckInProgramme
from .decision import ListDecision, Outcome

__all__ = ["CheckInProgramme", "ListDecision", "Outcome"]
