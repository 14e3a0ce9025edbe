"""Admitting and discharging, recording observations, raising, escalating and closing alerts.

Every change is audited here, once, by the function that makes it; views and the API only call in.
"""

import csv
import datetime as dt
import io
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from octopus.care.models import TaskSource
from octopus.care.services import create_task
from octopus.governance import audit
from octopus.residents.models import ActivityEvent, ActivityKind

from . import config, news2
from .models import Admission, Alert, AlertKind, Observation, ObservationSource

RISK_RANK = {risk: rank for rank, risk in enumerate(news2.RISKS)}
ALERTING = ("low-medium", "medium", "high")


class ObservationError(ValueError):
    """An observation refused; ``field`` names the value at fault (and ``row`` the CSV row)."""

    def __init__(self, field: str, message: str, row: int | None = None):
        super().__init__(message)
        self.field, self.row = field, row


def _timeline(admission: Admission, summary: str, detail: dict, when: dt.datetime) -> None:
    ActivityEvent.objects.create(
        resident=admission.resident,
        occurred_on=timezone.localdate(when),
        occurred_at=when,
        kind=ActivityKind.COMMUNITY,
        source_organisation=admission.team.organisation.name,
        summary=summary[:300],
        detail=dict(detail, virtual_ward=admission.pk),
    )


# Admission -------------------------------------------------------------------------------------


@transaction.atomic
def admit(
    resident,
    team,
    actor,
    *,
    reason: str,
    expected_discharge_on: dt.date,
    observations_per_day: int,
    spo2_scale: int = 1,
    path: str = "",
    admitted_at: dt.datetime | None = None,
) -> Admission:
    """``admitted_at``: when a stay already under way is brought in (the demo's synthetic ward, or a
    stay moved from another system), so its earlier readings fall within it; now otherwise."""
    if resident.is_deceased:
        raise ValidationError(f"{resident.name} has died; they cannot be admitted to the virtual ward.")
    if Admission.objects.select_for_update().filter(resident=resident, discharged_at__isnull=True).exists():
        raise ValidationError(f"{resident.name} is already on the virtual ward.")
    if not 1 <= observations_per_day <= 24:
        raise ValidationError({"observations_per_day": "Give between 1 and 24 observations a day."})
    if spo2_scale not in (1, 2):
        raise ValidationError({"spo2_scale": "Choose SpO2 scale 1 or 2."})
    today = timezone.localdate()
    if expected_discharge_on < today:
        raise ValidationError({"expected_discharge_on": "The expected discharge date cannot be in the past."})
    now = timezone.now()
    if admitted_at is not None and admitted_at > now:
        raise ValidationError({"admitted_at": "The admission time cannot be in the future."})
    now = admitted_at or now
    admission = Admission.objects.create(
        resident=resident,
        team=team,
        reason=reason[:300],
        admitted_at=now,
        admitted_by=actor,
        expected_discharge_on=expected_discharge_on,
        observations_per_day=observations_per_day,
        spo2_scale=spo2_scale,
        spo2_scale_set_by=actor,
        spo2_scale_set_at=now,
    )
    _timeline(admission, f"Admitted to the virtual ward ({team.name}): {reason}", {"recorded_by": actor.username}, now)
    audit.record(
        actor,
        "create",
        f"Admitted to the virtual ward, {team.name}; SpO2 scale {spo2_scale}",
        resident_id=resident.person_id,
        obj=admission,
        path=path,
    )
    return admission


@transaction.atomic
def set_spo2_scale(admission: Admission, scale: int, actor, path: str = "") -> Admission:
    if scale not in (1, 2):
        raise ValidationError({"spo2_scale": "Choose SpO2 scale 1 or 2."})
    admission = Admission.objects.select_for_update().get(pk=admission.pk)
    if admission.spo2_scale != scale:
        admission.spo2_scale, admission.spo2_scale_set_by, admission.spo2_scale_set_at = scale, actor, timezone.now()
        admission.save(update_fields=["spo2_scale", "spo2_scale_set_by", "spo2_scale_set_at"])
        audit.record(
            actor,
            "change",
            f"Virtual ward SpO2 scale set to {scale}",
            resident_id=admission.resident.person_id,
            obj=admission,
            path=path,
        )
    return admission


@transaction.atomic
def discharge(admission: Admission, actor, note: str, path: str = "") -> Admission:
    if not note.strip():
        raise ValidationError({"note": "Say why the resident is leaving the virtual ward."})
    admission = (
        Admission.objects.select_for_update().select_related("resident", "team__organisation").get(pk=admission.pk)
    )
    if not admission.is_open:
        return admission
    now = timezone.now()
    admission.discharged_at, admission.discharged_by, admission.discharge_note = now, actor, note
    admission.save(update_fields=["discharged_at", "discharged_by", "discharge_note"])
    # Alerts end with the stay: nobody is monitoring a discharged resident on this ward.
    admission.alerts.filter(actioned_at__isnull=True).update(
        actioned_at=now, actioned_by=actor, note="Discharged: " + note[:200]
    )
    _timeline(admission, f"Discharged from the virtual ward: {note}", {"recorded_by": actor.username}, now)
    audit.record(
        actor,
        "change",
        "Discharged from the virtual ward",
        resident_id=admission.resident.person_id,
        obj=admission,
        path=path,
    )
    return admission


# Observations ----------------------------------------------------------------------------------


def _whole(raw, field: str) -> int:
    try:
        value = Decimal(str(raw).strip())
    except (InvalidOperation, ValueError):
        raise ObservationError(
            field, f"{news2.LABELS[field]}: {raw!r} is not a number of {news2.UNITS[field]}."
        ) from None
    if value != value.to_integral_value():
        raise ObservationError(field, f"{news2.LABELS[field]}: give a whole number of {news2.UNITS[field]}, not {raw}.")
    return int(value)


def _oxygen(raw) -> bool:
    text = str(raw).strip().lower()
    if isinstance(raw, bool):
        return raw
    if text in ("oxygen", "o2", "true", "yes", "1"):
        return True
    if text in ("air", "false", "no", "0"):
        return False
    raise ObservationError("on_oxygen", f"Air or oxygen: {raw!r} is neither; give air or oxygen.")


FIELDS = ("respiration_rate", "spo2", "on_oxygen", "systolic_bp", "pulse", "consciousness", "temperature")


def parse(values: dict, scale: int) -> news2.Observation:
    """One observation from typed, uploaded or posted values, refused naming the field at fault."""
    missing = [field for field in FIELDS if values.get(field) in (None, "")]
    if missing:
        raise ObservationError(missing[0], f"{news2.LABELS.get(missing[0], 'Air or oxygen')}: missing.")
    try:
        observation = news2.Observation(
            respiration_rate=_whole(values["respiration_rate"], "respiration_rate"),
            spo2=_whole(values["spo2"], "spo2"),
            spo2_scale=scale,
            on_oxygen=_oxygen(values["on_oxygen"]),
            systolic_bp=_whole(values["systolic_bp"], "systolic_bp"),
            pulse=_whole(values["pulse"], "pulse"),
            consciousness=str(values["consciousness"]).strip().upper(),
            temperature=news2.temperature(values["temperature"]),
        )
        news2.check_plausible(observation)
    except news2.ImplausibleValue as error:
        raise ObservationError(error.field, str(error)) from None
    return observation


def check_taken_at(admission: Admission, taken_at: dt.datetime, now: dt.datetime | None = None) -> None:
    """A reading's time must fall within the stay so far (a device clock a few minutes fast is allowed)."""
    now = now or timezone.now()
    if taken_at > now + dt.timedelta(minutes=5):
        raise ObservationError("taken_at", "Taken at: the time is in the future.")
    if taken_at < admission.admitted_at:
        raise ObservationError("taken_at", "Taken at: the time is before the admission to the virtual ward.")


@dataclass
class Recorded:
    observation: Observation
    score: news2.Score
    alerts: list[Alert]


def _response_by(now: dt.datetime, key: str) -> dt.datetime:
    return now + dt.timedelta(minutes=config.settings().response_minutes[key])


def _raise(
    admission: Admission,
    kind: str,
    summary: str,
    key: str,
    now: dt.datetime,
    *,
    risk: str = "",
    observation: Observation | None = None,
) -> Alert:
    alert = Alert.objects.create(
        admission=admission,
        kind=kind,
        risk=risk,
        observation=observation,
        summary=summary[:300],
        raised_at=now,
        respond_by=_response_by(now, key),
    )
    _timeline(admission, f"Virtual ward alert: {summary}", {"alert": alert.pk, "kind": kind}, now)
    audit.record(
        None,
        "create",
        f"Virtual ward alert for {admission.team.name}: {summary}"[:300],
        resident_id=admission.resident.person_id,
        obj=alert,
    )
    return alert


def _alerts_for(admission: Admission, observation: Observation, score: news2.Score, now: dt.datetime) -> list[Alert]:
    """A new low-medium, medium or high risk (higher than the last observation's), or a rising trend."""
    earlier = list(admission.observations.exclude(pk=observation.pk).order_by("-taken_at", "-pk")[:2])
    alerts = []
    previous_rank = RISK_RANK[earlier[0].risk] if earlier else -1
    if score.risk in ALERTING and RISK_RANK[score.risk] > previous_rank:
        summary = f"NEWS2 {score.total}, {score.risk.replace('-', '–')} risk. {score.response}"
        alerts.append(
            _raise(admission, AlertKind.SCORE, summary, score.risk, now, risk=score.risk, observation=observation)
        )
    rise = config.settings().trend_rise_points
    if (
        len(earlier) == 2
        and score.risk in ("low", "low-medium")
        and score.total - earlier[1].total >= rise
        and not admission.alerts.filter(kind=AlertKind.TREND, actioned_at__isnull=True).exists()
    ):
        summary = (
            f"NEWS2 rising: {earlier[1].total}, {earlier[0].total}, {score.total} over the last three observations."
        )
        alerts.append(
            _raise(admission, AlertKind.TREND, summary, "trend", now, risk=score.risk, observation=observation)
        )
    return alerts


@transaction.atomic
def record_observation(
    admission: Admission,
    values: dict,
    *,
    source: str,
    recorded_by: str,
    actor=None,
    taken_at: dt.datetime | None = None,
    path: str = "",
) -> Recorded:
    """Score and store one observation, raising whatever alerts it calls for (in one transaction)."""
    if source not in ObservationSource.values:
        raise ValueError(f"Unknown observation source {source!r}.")
    admission = (
        Admission.objects.select_for_update().select_related("resident", "team__organisation").get(pk=admission.pk)
    )
    if not admission.is_open:
        raise ObservationError("admission", f"{admission.resident.name} has been discharged from the virtual ward.")
    parsed = parse(values, admission.spo2_scale)
    now = timezone.now()
    taken_at = taken_at or now
    check_taken_at(admission, taken_at, now)
    score = news2.score(parsed)
    observation = Observation.objects.create(
        admission=admission,
        taken_at=taken_at,
        recorded_at=now,
        source=source,
        recorded_by=recorded_by[:150],
        respiration_rate=parsed.respiration_rate,
        spo2=parsed.spo2,
        spo2_scale=parsed.spo2_scale,
        on_oxygen=parsed.on_oxygen,
        systolic_bp=parsed.systolic_bp,
        pulse=parsed.pulse,
        consciousness=parsed.consciousness,
        temperature=parsed.temperature,
        scores=score.scores,
        total=score.total,
        risk=score.risk,
    )
    _timeline(
        admission,
        f"Virtual ward observation: NEWS2 {score.total} ({score.risk.replace('-', '–')} risk)",
        {"observation": observation.pk, "recorded_by": recorded_by},
        taken_at,
    )
    audit.record(
        actor,
        "create",
        f"Virtual ward observation, NEWS2 {score.total} ({observation.get_source_display()}, {recorded_by})"[:300],
        resident_id=admission.resident.person_id,
        obj=observation,
        path=path,
    )
    return Recorded(observation, score, _alerts_for(admission, observation, score, now))


CSV_COLUMNS = (
    "person_id",
    "taken_at",
    "respiration_rate",
    "spo2",
    "on_oxygen",
    "systolic_bp",
    "pulse",
    "consciousness",
    "temperature",
)


def _csv_time(raw: str) -> dt.datetime:
    value = dt.datetime.fromisoformat(raw.strip())
    return value if timezone.is_aware(value) else timezone.make_aware(value)


def upload_csv(text: str, filename: str, admissions: dict[str, Admission], actor, path: str = "") -> list[Recorded]:
    """Observations for residents on the ward, one a row; every row checked before any is stored.

    ``admissions``: the open admissions the uploader may record for, by person id. Errors name the
    file, the row (counting the header as row 1) and the field; nothing is stored if any row fails.
    """
    reader = csv.DictReader(io.StringIO(text))
    absent = [column for column in CSV_COLUMNS if column not in (reader.fieldnames or [])]
    if absent:
        raise ObservationError(
            absent[0],
            f"{filename}: row 1: the header has no {absent[0]} column (expected {', '.join(CSV_COLUMNS)}).",
            row=1,
        )
    rows = []
    for number, row in enumerate(reader, start=2):
        admission = admissions.get((row["person_id"] or "").strip())
        if admission is None:
            raise ObservationError(
                "person_id",
                f"{filename}: row {number}: person_id: {row['person_id']!r} is not on a virtual ward you record for.",
                row=number,
            )
        try:
            taken_at = _csv_time(row["taken_at"] or "")
        except ValueError:
            raise ObservationError(
                "taken_at",
                f"{filename}: row {number}: taken_at: {row['taken_at']!r} is not a date and time (YYYY-MM-DDTHH:MM).",
                row=number,
            ) from None
        try:
            parse(row, admission.spo2_scale)
        except ObservationError as error:
            raise ObservationError(
                error.field, f"{filename}: row {number}: {error.field}: {error}", row=number
            ) from None
        rows.append((number, admission, row, taken_at))
    if not rows:
        raise ObservationError("", f"{filename}: no observations after the header.", row=1)
    checked = [(f"{filename}: row {number}", admission, row, taken_at) for number, admission, row, taken_at in rows]
    return record_many(checked, source=ObservationSource.CSV, recorded_by=actor.username, actor=actor, path=path)


def record_many(
    checked: list[tuple[str, Admission, dict, dt.datetime]],
    *,
    source: str,
    recorded_by: str,
    actor=None,
    path: str = "",
) -> list[Recorded]:
    """Sets already checked by the caller (``where`` names each in errors), recorded oldest first in one
    transaction through ``record_observation``, so alerts compare each set with the one before it and
    a failure stores none of them. Used by the CSV upload and the FHIR import."""
    recorded = []
    with transaction.atomic():
        for where, admission, values, taken_at in sorted(checked, key=lambda item: item[3]):
            try:
                recorded.append(
                    record_observation(
                        admission,
                        values,
                        source=source,
                        recorded_by=recorded_by,
                        actor=actor,
                        taken_at=taken_at,
                        path=path,
                    )
                )
            except ObservationError as error:
                raise ObservationError(error.field, f"{where}: {error.field}: {error}", row=error.row) from None
    return recorded


# Alerts ----------------------------------------------------------------------------------------


@transaction.atomic
def acknowledge(alert: Alert, actor, note: str = "", path: str = "") -> Alert:
    alert = Alert.objects.select_for_update().select_related("admission__resident").get(pk=alert.pk)
    if alert.acknowledged_at is None:
        alert.acknowledged_at, alert.acknowledged_by = timezone.now(), actor
        alert.note = "\n".join(filter(None, [alert.note, note.strip()]))
        alert.save(update_fields=["acknowledged_at", "acknowledged_by", "note"])
        audit.record(
            actor,
            "change",
            f"Virtual ward alert acknowledged: {alert.summary}"[:300],
            resident_id=alert.admission.resident.person_id,
            obj=alert,
            path=path,
        )
    return alert


@transaction.atomic
def action(alert: Alert, actor, note: str, path: str = "") -> Alert:
    if not note.strip():
        raise ValidationError({"note": "Say what was done about the alert."})
    alert = (
        Alert.objects.select_for_update()
        .select_related("admission__resident", "admission__team__organisation")
        .get(pk=alert.pk)
    )
    if alert.actioned_at is not None:
        return alert
    now = timezone.now()
    if alert.acknowledged_at is None:
        alert.acknowledged_at, alert.acknowledged_by = now, actor
    alert.actioned_at, alert.actioned_by = now, actor
    alert.note = "\n".join(filter(None, [alert.note, note.strip()]))
    alert.save(update_fields=["acknowledged_at", "acknowledged_by", "actioned_at", "actioned_by", "note"])
    _timeline(
        alert.admission,
        f"Virtual ward alert actioned: {note.strip()}",
        {"alert": alert.pk, "recorded_by": actor.username},
        now,
    )
    audit.record(
        actor,
        "change",
        f"Virtual ward alert actioned: {alert.summary}"[:300],
        resident_id=alert.admission.resident.person_id,
        obj=alert,
        path=path,
    )
    return alert


def _due_every(admission: Admission) -> dt.timedelta:
    return dt.timedelta(hours=24) / admission.observations_per_day


def next_due(admission: Admission, last_taken: dt.datetime | None) -> dt.datetime:
    return (last_taken or admission.admitted_at) + _due_every(admission)


def check_missed(now: dt.datetime | None = None) -> list[Alert]:
    """Alerts for scheduled observations not received (run periodically by the task worker)."""
    now = now or timezone.now()
    grace = dt.timedelta(minutes=config.settings().missed_grace_minutes)
    raised = []
    for admission in Admission.objects.filter(discharged_at__isnull=True).select_related(
        "resident", "team__organisation"
    ):
        last = admission.observations.order_by("-taken_at").values_list("taken_at", flat=True).first()
        due = next_due(admission, last)
        if now <= due + grace:
            continue
        with transaction.atomic():
            # One outstanding missed-observation alert per gap: a later observation closes the gap.
            if admission.alerts.filter(kind=AlertKind.MISSED, raised_at__gte=due).exists():
                continue
            raised.append(
                _raise(
                    admission,
                    AlertKind.MISSED,
                    f"Observation due {timezone.localtime(due):%-d %b %H:%M} not received.",
                    "missed",
                    now,
                )
            )
    return raised


def escalate(now: dt.datetime | None = None) -> list[Alert]:
    """Alerts nobody acknowledged by their response time go up the chain in virtualward.yaml: each
    step creates a task for every member of the responsible team holding that step's role."""
    now = now or timezone.now()
    chain = config.settings().escalation_chain
    escalated = []
    for alert in Alert.objects.filter(
        acknowledged_at__isnull=True, actioned_at__isnull=True, level__lt=len(chain), respond_by__lt=now
    ).select_related("admission__resident", "admission__team"):
        step = chain[alert.level]
        if now < alert.respond_by + dt.timedelta(minutes=step.after_minutes):
            continue
        with transaction.atomic():
            locked = Alert.objects.select_for_update().get(pk=alert.pk)
            if locked.level != alert.level or locked.acknowledged_at is not None:
                continue
            locked.level, locked.escalated_at = alert.level + 1, now
            locked.save(update_fields=["level", "escalated_at"])
            team = alert.admission.team
            for membership in team.memberships.filter(role=step.to_role).select_related("user"):
                create_task(
                    membership.user,
                    f"Unacknowledged virtual ward alert ({team.name}): {alert.summary}",
                    timezone.localdate(now),
                    resident=alert.admission.resident,
                    link=f"/virtual-ward/#alert-{alert.pk}",
                    source=TaskSource.OTHER,
                )
            audit.record(
                None,
                "change",
                f"Virtual ward alert escalated to {step.label}: {alert.summary}"[:300],
                resident_id=alert.admission.resident.person_id,
                obj=alert,
            )
            escalated.append(locked)
    return escalated
