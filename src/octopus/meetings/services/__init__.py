"""Everything that changes meeting records goes through here: one transaction and explicit audit
calls per change.

Public API:
    generate_worklist(meeting, actor) -> WorklistReport          find_candidates(series) -> Candidates
    create_series(...), update_series(series, ...), plan_meetings(series, actor, weeks=4), Timetable(...)
    add_member(...), schedule_meeting(...), publish_agenda(...)
    confirm_confidentiality(series, user), record_attendance(meeting, user, actor)
    discussion_basis(resident) -> DiscussionBasis, record_exception(entry, actor, *, basis, rationale, decided_by)
    put_on_agenda(entry, actor, ...), not_this_week(entry, actor, reason, carry_over=False), add_resident(...)
    record_discussion(entry, actor, ...), add_action(entry, actor, ...), close_meeting(meeting, actor)
    post_message(resident, author, body), register_care_home(...), place_resident(...),
    register_from_feed(linked_dir, as_of=..., actor=...), record_support(home, actor, item=..., done_on=...)
"""

from .care_homes import place_resident, record_support, register_care_home, register_from_feed
from .discussion import (
    ClosedMeeting,
    add_action,
    close_meeting,
    follow_up_deaths,
    record_discussion,
)
from .series import (
    Timetable,
    add_member,
    confirm_confidentiality,
    create_series,
    next_location,
    plan_meetings,
    publish_agenda,
    record_attendance,
    role_of,
    schedule_meeting,
    update_series,
)
from .threads import post_message
from .triage import (
    EXCEPTIONS,
    DiscussionBasis,
    NoBasisToDiscuss,
    add_resident,
    discussion_basis,
    not_this_week,
    put_on_agenda,
    record_exception,
)
from .worklist import Candidates, WorklistReport, find_candidates, generate_worklist, scope_q

__all__ = [
    "EXCEPTIONS",
    "Candidates",
    "ClosedMeeting",
    "DiscussionBasis",
    "NoBasisToDiscuss",
    "Timetable",
    "WorklistReport",
    "add_action",
    "add_member",
    "add_resident",
    "close_meeting",
    "confirm_confidentiality",
    "create_series",
    "discussion_basis",
    "find_candidates",
    "follow_up_deaths",
    "generate_worklist",
    "next_location",
    "not_this_week",
    "place_resident",
    "plan_meetings",
    "post_message",
    "publish_agenda",
    "put_on_agenda",
    "record_attendance",
    "record_discussion",
    "record_exception",
    "record_support",
    "register_care_home",
    "register_from_feed",
    "role_of",
    "schedule_meeting",
    "scope_q",
    "update_series",
]
