"""Meetings models, one file per concept."""

from .care_home import CareHome, CareHomeKind, CareHomeResident
from .meeting import Attendance, Meeting, MeetingStatus
from .series import ConfidentialityAgreement, Frequency, MeetingKind, MeetingSeries, SeriesMember
from .thread import ResidentMessage
from .worklist import EntryStatus, MeetingAction, WorklistEntry

__all__ = [
    "Attendance",
    "CareHome",
    "CareHomeKind",
    "CareHomeResident",
    "ConfidentialityAgreement",
    "EntryStatus",
    "Frequency",
    "Meeting",
    "MeetingAction",
    "MeetingKind",
    "MeetingSeries",
    "MeetingStatus",
    "ResidentMessage",
    "SeriesMember",
    "WorklistEntry",
]
