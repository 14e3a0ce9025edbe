"""Meetings models, one file per concept."""

from .care_home import CareHome, CareHomeKind, CareHomeResident
from .meeting import Attendance, Meeting, MeetingStatus
from .series import ConfidentialityAgreement, MeetingKind, MeetingSeries, SeriesMember
from .thread import ResidentMessage
from .worklist import EntryStatus, MeetingAction, WorklistEntry

__all__ = [
    "Attendance",
    "CareHome",
    "CareHomeKind",
    "CareHomeResident",
    "ConfidentialityAgreement",
    "EntryStatus",
    "Meeting",
    "MeetingAction",
    "MeetingKind",
    "MeetingSeries",
    "MeetingStatus",
    "ResidentMessage",
    "SeriesMember",
    "WorklistEntry",
]
