"""Typed shapes of the care endpoints (referrals, care plans, caseload, tasks, check-ins)."""

import datetime as dt
from typing import Literal

from ninja import Field, Schema


class ResidentRef(Schema):
    """Who a record is about: the person id and name, which every record scope shows."""

    person_id: str
    name: str


class CaseOut(Schema):
    id: int
    resident: ResidentRef
    team: str
    holder: str | None
    opened_at: dt.datetime
    next_review_due: dt.date | None
    current_tier: str | None
    overdue_actions: int


class TaskOut(Schema):
    id: int
    title: str
    due: dt.date | None
    resident: ResidentRef | None
    source: str
    link: str


class ReferralOut(Schema):
    id: int
    resident: ResidentRef
    kind: Literal["referral", "introduction"]
    status: str
    urgency: str
    sender: str
    to_team: str
    to_practitioner: str | None
    owner: str | None
    reason: str
    shared_information: str
    preferred_contact: str
    sent_at: dt.datetime
    due_at: dt.datetime
    available_actions: list[str] = Field(description="What you may do with it now (POST …/{action}).")


class ReferralIn(Schema):
    person_id: str
    to_team_id: int | None = None
    to_practitioner_id: int | None = Field(None, description="Set for a warm introduction to a named person.")
    reason: str = Field(min_length=1, max_length=5000)
    urgency: Literal["urgent", "soon", "routine"]
    shared_information: str = Field(min_length=1, max_length=5000)
    resident_agreed: bool
    preferred_contact: Literal["phone", "text", "email", "visit", "via_referrer"]
    contact_details: str = Field("", max_length=200)
    send_anyway: bool = Field(
        False, description="Send even though the same resident already has an open request to the same person or team."
    )


class ReferralActionIn(Schema):
    note: str = Field(
        "", max_length=5000, description="A note (accept, first contact, complete, close) or the reason (decline)."
    )
    to_team_id: int | None = Field(None, description="redirect only")
    to_practitioner_id: int | None = Field(None, description="redirect only")


class Goal(Schema):
    description: str = Field(min_length=1, max_length=300)
    status: Literal["active", "achieved", "stopped"] = "active"


class PlanActionOut(Schema):
    id: int
    description: str
    owner: str
    due: dt.date
    status: str


class CarePlanOut(Schema):
    person_id: str
    version: int = Field(description="Send it back as `version` (or If-Match) when you change the plan.")
    what_matters: str
    goals: list[Goal]
    needs: dict[str, str]
    lead_professional: str | None
    review_date: dt.date | None
    updated_at: dt.datetime
    actions: list[PlanActionOut]


class CarePlanIn(Schema):
    version: int = Field(
        ge=1, le=2_147_483_647, description="The version your edit began from; a stale one is refused with 409."
    )
    what_matters: str = Field("", max_length=10_000)
    goals: list[Goal] = []
    needs: dict[str, str] = Field({}, description="Need domain → what the need is.")
    lead_professional_id: int | None = None
    review_date: dt.date | None = None


class CheckInOut(Schema):
    id: int
    resident: ResidentRef
    due_on: dt.date
    organisation: str
    assignee: str | None
    status: str
    note: str


class CheckInScheduleIn(Schema):
    organisation_id: int = Field(
        description="The organisation that keeps in touch (check-ins with any other are handed over)."
    )
    first_due: dt.date
    count: int = Field(ge=1, le=24)
    every_days: int | None = Field(None, ge=1, le=365, description="Default: from the resident's risk (care.yaml).")
    assignee_id: int | None = None


class CheckInOutcomeIn(Schema):
    status: Literal["done", "no_answer"]
    note: str = Field("", max_length=5000)


class CheckInOutcomeOut(Schema):
    check_in: CheckInOut
    warning: list[str] = Field(description="Organisations that contacted the resident this week, when several did.")


class Conflict(Schema):
    detail: str
    current_version: int
