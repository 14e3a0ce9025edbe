"""Everything that changes care records goes through here: one transaction and one explicit
audit entry per change. Other apps use these functions, never the models' ``save``.

Public API (stable for other apps):
    create_task(owner_user, title, due, resident=None, link="", source="other") -> Task
    open_case(resident, team, actor, *, source, holder=None, next_review_due=None) -> Case
    close_case(case, actor, outcome, note="") -> Case
    send_referral(resident, sender, *, to_team=None, to_practitioner=None, ...) -> Referral
    responsiveness(team) -> dict
    set_tier(resident, tier, reason, actor) -> TierAssignment
    schedule_check_ins(resident, *, organisation, first_due, count, actor, ...) -> list[CheckIn]
    record_death(resident, date, source, actor) -> DeathOutcome
    record_advance_care_plan(plan, actor, **recommendations) -> AdvanceCarePlan
"""

from .advance_care import record_advance_care_plan
from .cases import close_case, open_case, record_contact
from .check_ins import complete_check_in, organisations_contacting, schedule_check_ins
from .deaths import DeathOutcome, record_death
from .plans import PlanConflict, add_action, save_plan, set_action_status, start_plan
from .referrals import (
    TransitionError,
    accept,
    actions_for,
    close,
    complete,
    decline,
    record_first_contact,
    redirect,
    responsiveness,
    send_referral,
)
from .tasks import complete_task, create_task
from .tiers import add_to_proactive_tier, current_tier, set_tier

__all__ = [
    "DeathOutcome",
    "PlanConflict",
    "TransitionError",
    "accept",
    "actions_for",
    "add_action",
    "add_to_proactive_tier",
    "close",
    "close_case",
    "complete",
    "complete_check_in",
    "complete_task",
    "create_task",
    "current_tier",
    "decline",
    "open_case",
    "organisations_contacting",
    "record_advance_care_plan",
    "record_contact",
    "record_death",
    "record_first_contact",
    "redirect",
    "responsiveness",
    "save_plan",
    "schedule_check_ins",
    "send_referral",
    "set_action_status",
    "set_tier",
    "start_plan",
]
