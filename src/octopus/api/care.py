"""Care coordination over the JSON API: the caseload, tasks, referrals and introductions, care
plans (with version checks) and check-ins — what the care pages do, through the same services,
capabilities, access point and audit. No rule lives here: each endpoint finds records through
``access.scoped`` (or the care queries, which start from ``access.residents_for``), hands changes
to ``octopus.care.services`` and shapes the answer."""

from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404
from ninja import Query, Router, Status
from ninja.pagination import paginate

from octopus.accounts.models import User
from octopus.care import queries, services
from octopus.care.models import CarePlan, CheckIn, Referral
from octopus.care.models.check_in import CheckInStatus
from octopus.directory.models import Organisation, Practitioner, Team
from octopus.governance import access, audit

from .care_schemas import (
    CarePlanIn,
    CarePlanOut,
    CaseOut,
    CheckInOut,
    CheckInOutcomeIn,
    CheckInOutcomeOut,
    CheckInScheduleIn,
    Conflict,
    ReferralActionIn,
    ReferralIn,
    ReferralOut,
    TaskOut,
)
from .pagination import BoundedLimitOffsetPagination
from .schemas import Problem
from .security import CapabilitySession

care = Router(tags=["care"])
READ = CapabilitySession("view_residents")
HOLD = CapabilitySession("hold_caseload")
REFER = CapabilitySession("refer")


def _who(user) -> str | None:
    return user.display_name if user else None


def _ref(resident) -> dict:
    return {"person_id": resident.person_id, "name": resident.name}


def _view(request, resident, basis: str, summary: str) -> None:
    audit.record(request.auth, "view", summary, resident_id=resident.person_id, basis=basis, path=request.path)


# --- caseload and tasks ---------------------------------------------------------------------------


@care.get("/caseload", response=list[CaseOut], auth=HOLD)
@paginate(BoundedLimitOffsetPagination)
def caseload(request: HttpRequest, team_id: int | None = None):
    cases = queries.caseload(request.auth, team_id=team_id)
    audit.record(request.auth, "view", "Viewed caseload via API", path=request.path)
    return _CasePage(request, cases)


class _CasePage:
    """The caseload as pagination slices it; each page's residents are audited as named, as on the page."""

    def __init__(self, request, cases):
        self.request, self.cases = request, cases

    def __len__(self) -> int:
        return self.cases.count()

    def __getitem__(self, page: slice) -> list[dict]:
        rows = list(self.cases[page])
        audit.record_appearances(
            self.request.auth,
            "Listed on the caseload via API",
            [c.resident.person_id for c in rows],
            path=self.request.path,
            basis="caseload",
        )
        return [
            {
                "id": c.pk,
                "resident": _ref(c.resident),
                "team": c.team.name,
                "holder": _who(c.holder),
                "opened_at": c.opened_at,
                "next_review_due": c.next_review_due,
                "current_tier": c.current_tier,
                "overdue_actions": c.overdue_actions,
            }
            for c in rows
        ]


@care.get("/tasks", response=list[TaskOut], auth=READ)
@paginate(BoundedLimitOffsetPagination)
def tasks(request: HttpRequest):
    """Your open tasks (the inbox)."""
    mine = request.auth.tasks.filter(done_at__isnull=True, cancelled_at__isnull=True).select_related("resident")
    rows = list(mine.order_by("due", "created_at", "pk"))
    audit.record(request.auth, "view", "Viewed task inbox via API", path=request.path)
    audit.record_appearances(
        request.auth, "Named on a task via API", [t.resident.person_id for t in rows if t.resident], path=request.path
    )
    return [
        {
            "id": t.pk,
            "title": t.title,
            "due": t.due,
            "resident": _ref(t.resident) if t.resident else None,
            "source": t.source,
            "link": t.link,
        }
        for t in rows
    ]


@care.post("/tasks/{task_id}/done", response={200: TaskOut}, auth=READ)
def task_done(request: HttpRequest, task_id: int):
    task = get_object_or_404(request.auth.tasks, pk=task_id, done_at__isnull=True, cancelled_at__isnull=True)
    services.complete_task(task, request.auth, path=request.path)
    return {
        "id": task.pk,
        "title": task.title,
        "due": task.due,
        "resident": _ref(task.resident) if task.resident else None,
        "source": task.source,
        "link": task.link,
    }


# --- referrals and introductions ---------------------------------------------------------------------


def _referral_out(referral: Referral, user) -> dict:
    return {
        "id": referral.pk,
        "resident": _ref(referral.resident),
        "kind": "introduction" if referral.is_introduction else "referral",
        "status": referral.status,
        "urgency": referral.urgency,
        "sender": referral.sender.display_name,
        "to_team": referral.to_team.name,
        "to_practitioner": referral.to_practitioner.name if referral.to_practitioner else None,
        "owner": _who(referral.owner),
        "reason": referral.reason,
        "shared_information": referral.shared_information,
        "preferred_contact": referral.preferred_contact,
        "sent_at": referral.sent_at,
        "due_at": referral.due_at,
        "available_actions": services.actions_for(referral, user),
    }


def _referral(request, referral_id: int) -> tuple[Referral, str]:
    referrals = access.scoped(
        request.auth, Referral.objects.select_related("resident", "sender", "to_team", "to_practitioner", "owner")
    )
    referral = get_object_or_404(referrals, pk=referral_id)
    _, basis = access.get_resident(request.auth, referral.resident.person_id)
    return referral, basis


@care.get("/referrals", response=list[ReferralOut], auth=READ)
@paginate(BoundedLimitOffsetPagination)
def referrals(request: HttpRequest, box: str = Query("incoming", pattern="^(incoming|sent)$")):
    """Open referrals and introductions to you or your team (``incoming``), or the latest you sent."""
    rows = list(queries.referrals_for(request.auth)[box])
    audit.record(request.auth, "view", f"Viewed {box} referrals via API", path=request.path)
    audit.record_appearances(
        request.auth, "Named on a referral list via API", [r.resident.person_id for r in rows], path=request.path
    )
    return [_referral_out(r, request.auth) for r in rows]


@care.get("/referrals/{referral_id}", response=ReferralOut, auth=READ)
def referral(request: HttpRequest, referral_id: int):
    found, basis = _referral(request, referral_id)
    _view(request, found.resident, basis, f"Viewed {found} via API")
    return _referral_out(found, request.auth)


@care.post("/referrals", response={201: ReferralOut, 422: Problem}, auth=REFER)
def send_referral(request: HttpRequest, body: ReferralIn):
    """Refer a resident to a team, or introduce them to a named person (``to_practitioner_id``)."""
    resident, _ = access.get_resident(request.auth, body.person_id)
    to_team = get_object_or_404(Team, pk=body.to_team_id) if body.to_team_id else None
    to_practitioner = (
        get_object_or_404(Practitioner, pk=body.to_practitioner_id, active=True) if body.to_practitioner_id else None
    )
    values = body.dict(exclude={"person_id", "to_team_id", "to_practitioner_id"})
    sent = services.send_referral(
        resident, request.auth, to_team=to_team, to_practitioner=to_practitioner, path=request.path, **values
    )
    return Status(201, _referral_out(sent, request.auth))


@care.post("/referrals/{referral_id}/{action}", response={200: ReferralOut, 422: Problem}, auth=READ)
def referral_action(request: HttpRequest, referral_id: int, action: str, body: ReferralActionIn):
    """accept, first_contact, complete, decline (note = the reason), redirect or close: whatever
    ``available_actions`` lists for you now."""
    found, _ = _referral(request, referral_id)
    if action not in services.actions_for(found, request.auth):
        raise PermissionDenied(f"You cannot {action.replace('_', ' ')} this referral now.")
    user, path = request.auth, request.path
    if action == "accept":
        services.accept(found, user, body.note, path=path)
    elif action == "first_contact":
        services.record_first_contact(found, user, body.note, path=path)
    elif action == "complete":
        services.complete(found, user, body.note, path=path)
    elif action == "decline":
        services.decline(found, user, body.note, path=path)
    elif action == "redirect":
        to_team = get_object_or_404(Team, pk=body.to_team_id) if body.to_team_id else None
        to_practitioner = (
            get_object_or_404(Practitioner, pk=body.to_practitioner_id) if body.to_practitioner_id else None
        )
        services.redirect(found, user, to_team=to_team, to_practitioner=to_practitioner, note=body.note, path=path)
    else:
        services.close(found, user, body.note, path=path)
    found.refresh_from_db()
    return _referral_out(found, user)


# --- care plans ------------------------------------------------------------------------------------------


def _plan_out(plan: CarePlan) -> dict:
    return {
        "person_id": plan.resident.person_id,
        "version": plan.version,
        "what_matters": plan.what_matters,
        "goals": plan.goals,
        "needs": plan.needs,
        "lead_professional": _who(plan.lead_professional),
        "review_date": plan.review_date,
        "updated_at": plan.updated_at,
        "actions": [
            {"id": a.pk, "description": a.description, "owner": a.owner.display_name, "due": a.due, "status": a.status}
            for a in plan.actions.select_related("owner")
        ],
    }


def _etag(plan: CarePlan) -> str:
    return f'W/"{plan.version}"'


@care.get("/residents/{person_id}/plan", response={200: CarePlanOut, 404: Problem}, auth=READ)
def care_plan(request: HttpRequest, person_id: str, response: HttpResponse):
    """The resident's care plan; its version is also the ETag, for If-Match on a change."""
    resident, basis = access.get_resident(request.auth, person_id)
    plan = (
        access.scoped(request.auth, CarePlan.objects.select_related("resident", "lead_professional"))
        .filter(resident=resident)
        .first()
    )
    _view(request, resident, basis, "Viewed care plan via API")
    if plan is None:
        return Status(404, {"detail": f"{resident.name} has no care plan yet; PUT one with version 1 to start it."})
    response["ETag"] = _etag(plan)
    return Status(200, _plan_out(plan))


@care.put(
    "/residents/{person_id}/plan", response={200: CarePlanOut, 409: Conflict, 412: Conflict, 422: Problem}, auth=HOLD
)
def save_care_plan(request: HttpRequest, person_id: str, body: CarePlanIn, response: HttpResponse):
    """Change the plan. Send the version your edit began from (``version``, or an If-Match ETag):
    if someone saved since, nothing is overwritten and the answer is 409 (412 for If-Match)."""
    resident, _ = access.get_resident(request.auth, person_id)
    if resident.is_deceased:
        raise PermissionDenied("The resident has died; their care plan is closed.")
    plan = access.scoped(request.auth, CarePlan.objects).filter(resident=resident).first()
    plan = plan or services.start_plan(resident, request.auth, path=request.path)
    if_match = request.headers.get("If-Match", "")
    if if_match and if_match.removeprefix("W/").strip('"') != str(plan.version):
        return Status(
            412,
            {
                "detail": f"If-Match {if_match} is not the plan's current version ({plan.version}).",
                "current_version": plan.version,
            },
        )
    lead = get_object_or_404(User, pk=body.lead_professional_id, is_active=True) if body.lead_professional_id else None
    try:
        saved = services.save_plan(
            plan,
            request.auth,
            expected_version=body.version,
            what_matters=body.what_matters,
            goals=[goal.dict() for goal in body.goals],
            needs=body.needs,
            lead_professional=lead,
            review_date=body.review_date,
            path=request.path,
        )
    except services.PlanConflict as conflict:
        return Status(409, {"detail": str(conflict), "current_version": conflict.current.version})
    response["ETag"] = _etag(saved)
    return Status(200, _plan_out(saved))


# --- check-ins ----------------------------------------------------------------------------------------------


def _check_in_out(check_in: CheckIn) -> dict:
    return {
        "id": check_in.pk,
        "resident": _ref(check_in.resident),
        "due_on": check_in.due_on,
        "organisation": check_in.organisation.name,
        "assignee": _who(check_in.assignee),
        "status": check_in.status,
        "note": check_in.note,
    }


@care.get("/residents/{person_id}/check-ins", response=list[CheckInOut], auth=HOLD)
@paginate(BoundedLimitOffsetPagination)
def check_ins(request: HttpRequest, person_id: str):
    resident, basis = access.get_resident(request.auth, person_id)
    rows = access.scoped(request.auth, CheckIn.objects.select_related("resident", "organisation", "assignee")).filter(
        resident=resident
    )
    _view(request, resident, basis, "Viewed check-ins via API")
    return [_check_in_out(c) for c in rows.order_by("-due_on", "-pk")]


@care.post("/residents/{person_id}/check-ins", response={201: list[CheckInOut], 422: Problem}, auth=HOLD)
def schedule_check_ins(request: HttpRequest, person_id: str, body: CheckInScheduleIn):
    """Schedule check-ins with one organisation (the care service hands over any with another)."""
    resident, _ = access.get_resident(request.auth, person_id)
    organisation = get_object_or_404(Organisation, pk=body.organisation_id)
    assignee = get_object_or_404(User, pk=body.assignee_id, is_active=True) if body.assignee_id else None
    created = services.schedule_check_ins(
        resident,
        organisation=organisation,
        first_due=body.first_due,
        count=body.count,
        every_days=body.every_days,
        assignee=assignee,
        actor=request.auth,
        path=request.path,
    )
    return Status(201, [_check_in_out(c) for c in created])


@care.post("/check-ins/{check_in_id}/outcome", response={200: CheckInOutcomeOut, 422: Problem}, auth=HOLD)
def check_in_outcome(request: HttpRequest, check_in_id: int, body: CheckInOutcomeIn):
    scheduled = access.scoped(request.auth, CheckIn.objects.select_related("resident", "organisation"))
    check_in = get_object_or_404(scheduled, pk=check_in_id, status=CheckInStatus.SCHEDULED)
    warning = services.complete_check_in(check_in, request.auth, status=body.status, note=body.note, path=request.path)
    check_in.refresh_from_db()
    return {"check_in": _check_in_out(check_in), "warning": warning}


def validation_problem(api, request, error: ValidationError):
    """A service's refusal, as the pages show it: every message, by field where it names one."""
    messages = error.message_dict if hasattr(error, "error_dict") else {"__all__": error.messages}
    detail = "; ".join(
        f"{field}: {' '.join(texts)}" if field != "__all__" else " ".join(texts) for field, texts in messages.items()
    )
    return api.create_response(request, {"detail": detail}, status=422)
