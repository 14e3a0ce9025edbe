"""The virtual ward's JSON API: devices and apps send observations (decision 0038).

A device authenticates as a service account (decision 0033) holding ``system/Observation.c``:
it may add observations for residents on a virtual ward of the team its user belongs to, and
read nothing. A signed-in clinician may send observations too (session and CSRF, as the pages).
"""

from datetime import datetime
from decimal import Decimal
from typing import Literal

from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404
from ninja import Field, Router, Schema, Status
from ninja.security import HttpBearer

from octopus.governance import access
from octopus.virtualward import services
from octopus.virtualward.models import Admission, ObservationSource

from .schemas import Problem
from .security import CapabilitySession

DEVICE_SCOPE = "system/Observation.c"

ward = Router(tags=["virtual ward"])


class DeviceToken(HttpBearer):
    """A service account's bearer token whose scopes include adding observations."""

    def authenticate(self, request, token):
        from .service_accounts import authenticate

        account = authenticate(token)
        if account is None:
            return None
        if DEVICE_SCOPE not in account.scopes.split():
            raise PermissionDenied(f"This service account's scopes do not include {DEVICE_SCOPE}.")
        request.service_account = account
        return account.user


class ObservationIn(Schema):
    person_id: str
    taken_at: datetime | None = Field(
        None, description="When the reading was taken (ISO 8601 with offset); now if absent."
    )
    respiration_rate: int = Field(description="Breaths per minute.")
    spo2: int = Field(description="Oxygen saturation, %.")
    on_oxygen: bool = Field(description="True on supplemental oxygen, false on air.")
    systolic_bp: int = Field(description="Systolic blood pressure, mmHg.")
    pulse: int = Field(description="Beats per minute.")
    consciousness: Literal["A", "C", "V", "P", "U"] = Field(description="ACVPU; C is new confusion.")
    temperature: Decimal = Field(description="°C, one decimal place.")


class AlertOut(Schema):
    id: int
    kind: str
    summary: str
    respond_by: datetime


class ObservationOut(Schema):
    id: int
    scores: dict[str, int]
    total: int
    risk: str
    response: str
    alerts: list[AlertOut]


class FieldProblem(Schema):
    field: str
    detail: str


@ward.post(
    "/observations",
    response={201: ObservationOut, 403: Problem, 404: Problem, 422: FieldProblem},
    auth=[DeviceToken(), CapabilitySession("view_clinical_detail")],
)
def add_observation(request, body: ObservationIn):
    """Score one set of observations with NEWS2 and raise whatever alerts it calls for."""
    user = request.auth
    account = getattr(request, "service_account", None)
    admissions = access.scoped(user, Admission.objects.filter(discharged_at__isnull=True, team_id__in=user.team_ids))
    admission = get_object_or_404(admissions.select_related("resident"), resident__person_id=body.person_id)
    if account is None and not access.may_see_clinical_detail(user, admission.resident):
        raise PermissionDenied(
            "The virtual ward is clinical detail, which your access to this record does not include."
        )
    values = body.dict(exclude={"person_id", "taken_at"})
    try:
        recorded = services.record_observation(
            admission,
            values,
            source=ObservationSource.API,
            recorded_by=account.name if account else user.username,
            actor=user,
            taken_at=body.taken_at,
            path=request.path,
        )
    except services.ObservationError as error:
        return Status(422, {"field": error.field, "detail": str(error)})
    return Status(
        201,
        {
            "id": recorded.observation.pk,
            "scores": recorded.score.scores,
            "total": recorded.score.total,
            "risk": recorded.score.risk,
            "response": recorded.score.response,
            "alerts": [
                {"id": a.pk, "kind": a.kind, "summary": a.summary, "respond_by": a.respond_by} for a in recorded.alerts
            ],
        },
    )
