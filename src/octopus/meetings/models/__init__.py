"""Meetings models, one file per concept."""

from .care_home import (
    PER_RESIDENT_ITEMS,
    CareHome,
    CareHomeKind,
    CareHomeResident,
    SupportItem,
    SupportRecord,
)
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
    "PER_RESIDENT_ITEMS",
    "ResidentMessage",
    "SeriesMember",
    "SupportItem",
    "SupportRecord",
    "WorklistEntry",
]
