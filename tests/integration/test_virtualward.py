"""The virtual ward: admission, observations from every route, alerts, escalation and field scopes."""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from octopus.care import services as care_services
from octopus.care.models import Task
from octopus.directory.models import Organisation, Team
from octopus.governance.models import AuditEvent
from octopus.residents.factories import make_resident
from octopus.residents.models import ActivityEvent
from octopus.virtualward import services
from octopus.virtualward.models import Admission, Alert, AlertKind, Observation

pytestmark = pytest.mark.django_db

NORMAL = {
    "respiration_rate": 16,
    "spo2": 97,
    "on_oxygen": "air",
    "systolic_bp": 120,
    "pulse": 70,
    "consciousness": "A",
    "temperature": "37.0",
}
WORSE = {**NORMAL, "respiration_rate": 22, "pulse": 112, "temperature": "38.4"}  # 2+2+1 = 5, medium
WORST = {**WORSE, "systolic_bp": 95, "spo2": 93}  # +2 +2 = 9, high


@pytest.fixture
def ward(make_user):
    health = Organisation.objects.create(name="Central London Community Healthcare", heart="health")
    team = Team.objects.create(organisation=health, name="Virtual Ward North", tier="consistent")
    other = Team.objects.create(organisation=health, name="District Nursing South", tier="consistent")
    nurse = make_user("clinician", team=team, username="nurse", first_name="Nia", last_name="Okafor")
    coordinator = make_user("care_coordinator", team=team, username="coord")
    prescriber = make_user("social_prescriber", team=team, username="sp")
    outsider = make_user("clinician", team=other, username="outsider")
    resident = make_resident(given_name="Mary", family_name="Jones")
    care_services.open_case(resident, team, nurse, source="search", holder=nurse)
    return {
        "team": team,
        "nurse": nurse,
        "coordinator": coordinator,
        "prescriber": prescriber,
        "outsider": outsider,
        "resident": resident,
    }


def admitted(ward, **extra):
    return services.admit(
        ward["resident"],
        ward["team"],
        ward["nurse"],
        reason="Heart failure exacerbation",
        expected_discharge_on=timezone.localdate() + dt.timedelta(days=10),
        observations_per_day=3,
        **extra,
    )


def test_admission_page_admits_with_scale_recorded_who_and_when(client, ward):
    client.force_login(ward["nurse"])
    url = reverse("virtualward:admit", args=[ward["resident"].person_id])
    assert client.get(url).status_code == 200
    response = client.post(
        url,
        {
            "team": ward["team"].pk,
            "reason": "COPD exacerbation",
            "observations_per_day": 3,
            "expected_discharge_on": (timezone.localdate() + dt.timedelta(days=7)).isoformat(),
            "spo2_scale": 2,
        },
    )
    assert response.status_code == 302
    admission = Admission.objects.get()
    assert (admission.spo2_scale, admission.spo2_scale_set_by, admission.admitted_by) == (
        2,
        ward["nurse"],
        ward["nurse"],
    )
    assert ActivityEvent.objects.filter(
        resident=ward["resident"], summary__startswith="Admitted to the virtual ward"
    ).exists()
    assert AuditEvent.objects.filter(action="create", summary__startswith="Admitted to the virtual ward").count() == 1


def test_deteriorating_observations_raise_an_alert_with_a_response_time_then_acknowledge_and_action(client, ward):
    admission = admitted(ward)
    client.force_login(ward["nurse"])
    observe = reverse("virtualward:observe", args=[admission.pk])
    client.post(observe, NORMAL)
    assert not Alert.objects.exists()
    client.post(observe, WORSE)
    alert = Alert.objects.get()
    assert (alert.kind, alert.risk) == (AlertKind.SCORE, "medium")
    assert alert.respond_by - alert.raised_at == dt.timedelta(minutes=30)  # virtualward.yaml, medium
    client.post(observe, WORSE)  # still medium: not new, no second alert
    assert Alert.objects.count() == 1
    client.post(observe, WORST)
    assert list(Alert.objects.values_list("risk", flat=True).order_by("pk")) == ["medium", "high"]

    board = client.get(reverse("virtualward:board")).content.decode()
    assert "Mary Jones" in board and "NEWS2 9, high risk" in board.replace("–", "-")
    assert "NEWS2 over the last 4 observations: 0, 5, 5, 9" in board

    client.post(reverse("virtualward:alert_action", args=[alert.pk, "acknowledge"]), {"note": "Phoned Mary"})
    alert.refresh_from_db()
    assert alert.acknowledged_by == ward["nurse"] and alert.note == "Phoned Mary" and alert.actioned_at is None
    client.post(reverse("virtualward:alert_action", args=[alert.pk, "action"]), {"note": ""})
    alert.refresh_from_db()
    assert alert.actioned_at is None  # an action needs a note
    client.post(reverse("virtualward:alert_action", args=[alert.pk, "action"]), {"note": "GP visit arranged"})
    alert.refresh_from_db()
    assert alert.actioned_at and "GP visit arranged" in alert.note
    timeline = list(ActivityEvent.objects.filter(resident=ward["resident"]).values_list("summary", flat=True))
    assert any(s.startswith("Virtual ward observation: NEWS2 9") for s in timeline)
    assert any(s.startswith("Virtual ward alert: NEWS2 5") for s in timeline)


@pytest.mark.parametrize(
    "field, value, words",
    [
        ("spo2", "150", "SpO2"),
        ("pulse", "0", "Pulse"),
        ("temperature", "60.0", "Temperature"),
    ],
)
def test_implausible_values_are_refused_on_the_form_naming_the_field(client, ward, field, value, words):
    admission = admitted(ward)
    client.force_login(ward["nurse"])
    response = client.post(reverse("virtualward:observe", args=[admission.pk]), {**NORMAL, field: value})
    assert response.status_code == 200
    page = response.content.decode()
    assert f"{words}: " in page and "not a plausible reading" in page
    assert not Observation.objects.exists()


def test_the_scale_in_force_scores_the_observation(ward):
    admission = admitted(ward, spo2_scale=2)
    recorded = services.record_observation(admission, {**NORMAL, "spo2": 90}, source="api", recorded_by="device-7")
    assert recorded.observation.scores["spo2"] == 0 and recorded.observation.spo2_scale == 2
    services.set_spo2_scale(admission, 1, ward["coordinator"])
    admission.refresh_from_db()
    assert (admission.spo2_scale, admission.spo2_scale_set_by) == (1, ward["coordinator"])
    recorded = services.record_observation(admission, {**NORMAL, "spo2": 90}, source="api", recorded_by="device-7")
    assert recorded.observation.scores["spo2"] == 3


def test_a_rising_trend_below_medium_raises_a_trend_alert(ward):
    admission = admitted(ward)
    for values in (NORMAL, {**NORMAL, "pulse": 95}, {**NORMAL, "pulse": 95, "respiration_rate": 22}):
        recorded = services.record_observation(admission, values, source="api", recorded_by="device-7")
    assert recorded.score.total == 3 and recorded.score.risk == "low"
    assert [a.kind for a in recorded.alerts] == [AlertKind.TREND]


def test_a_missed_observation_raises_an_alert_once_and_unacknowledged_alerts_escalate(ward):
    admission = admitted(ward)  # three a day: due 8 hours after admission, missed after a further hour
    start = admission.admitted_at
    assert services.check_missed(start + dt.timedelta(hours=8, minutes=59)) == []
    missed = services.check_missed(start + dt.timedelta(hours=9, minutes=1))
    assert [a.kind for a in missed] == [AlertKind.MISSED]
    assert services.check_missed(start + dt.timedelta(hours=9, minutes=30)) == []
    alert = missed[0]
    assert services.escalate(alert.respond_by - dt.timedelta(minutes=1)) == []
    assert services.escalate(alert.respond_by + dt.timedelta(minutes=1)) == [alert]
    assert list(Task.objects.values_list("owner__username", flat=True)) == ["coord"]  # step 1: care coordinator
    assert services.escalate(alert.respond_by + dt.timedelta(minutes=2)) == []  # step 2 waits 30 minutes more
    services.acknowledge(alert, ward["nurse"])
    assert services.escalate(alert.respond_by + dt.timedelta(hours=2)) == []


def test_csv_upload_names_file_row_and_field_and_writes_nothing_on_error(client, ward):
    admission = admitted(ward)
    pid = ward["resident"].person_id
    when = timezone.localtime(admission.admitted_at + dt.timedelta(minutes=1)).strftime("%Y-%m-%dT%H:%M:%S")
    header = "person_id,taken_at,respiration_rate,spo2,on_oxygen,systolic_bp,pulse,consciousness,temperature\n"
    good = f"{pid},{when},16,97,air,120,70,A,37.0\n"
    bad = f"{pid},{when},16,97,air,120,70,A,60.0\n"
    client.force_login(ward["nurse"])
    from django.core.files.uploadedfile import SimpleUploadedFile

    response = client.post(
        reverse("virtualward:upload"), {"file": SimpleUploadedFile("obs.csv", (header + good + bad).encode())}
    )
    assert "obs.csv: row 3: temperature:" in response.content.decode()
    assert not Observation.objects.exists()
    response = client.post(
        reverse("virtualward:upload"), {"file": SimpleUploadedFile("obs.csv", (header + good + good).encode())}
    )
    assert response.status_code == 302 and Observation.objects.filter(source="csv").count() == 2


def test_only_the_responsible_team_in_the_full_scope_sees_the_ward(client, ward):
    admission = admitted(ward)
    services.record_observation(admission, WORSE, source="api", recorded_by="device-7")
    # A social prescriber lacks clinical detail: no board, no form.
    client.force_login(ward["prescriber"])
    assert client.get(reverse("virtualward:board")).status_code == 403
    assert client.get(reverse("virtualward:observe", args=[admission.pk])).status_code == 403
    # A clinician in another team has no relationship: not listed, nothing opens.
    client.force_login(ward["outsider"])
    board = client.get(reverse("virtualward:board")).content.decode()
    assert "Mary Jones" not in board and "Nobody is on your teams' virtual ward" in board.replace("&#39;", "'")
    assert client.get(reverse("virtualward:observe", args=[admission.pk])).status_code == 404
    alert = Alert.objects.get()
    assert client.post(reverse("virtualward:alert_action", args=[alert.pk, "acknowledge"])).status_code == 404
    alert.refresh_from_db()
    assert alert.acknowledged_at is None
    # The care coordinator in the team sees the row and its alert.
    client.force_login(ward["coordinator"])
    rows = client.get(reverse("virtualward:board_rows")).content.decode()
    assert "Mary Jones" in rows and f'id="alert-{alert.pk}"' in rows


def test_discharge_ends_the_stay_and_its_alerts(client, ward):
    admission = admitted(ward)
    services.record_observation(admission, WORST, source="api", recorded_by="device-7")
    client.force_login(ward["nurse"])
    client.post(reverse("virtualward:discharge", args=[admission.pk]), {"note": "Recovered"})
    admission.refresh_from_db()
    assert admission.discharged_at and not Alert.objects.filter(actioned_at__isnull=True).exists()
    with pytest.raises(services.ObservationError):
        services.record_observation(admission, NORMAL, source="api", recorded_by="device-7")


def _device(ward, scopes="system/Observation.c"):
    from octopus.api.service_accounts import issue

    _account, token = issue("Oximeter hub 7", ward["nurse"], scopes)
    return {"HTTP_AUTHORIZATION": f"Bearer {token}"}


API = "/api/virtual-ward/observations"
API_BODY = {
    "respiration_rate": 22,
    "spo2": 93,
    "on_oxygen": False,
    "systolic_bp": 95,
    "pulse": 112,
    "consciousness": "A",
    "temperature": "38.4",
}


def test_a_device_posts_observations_and_gets_the_score_and_alerts(client, ward):
    admitted(ward)
    headers = _device(ward)
    response = client.post(
        API, {**API_BODY, "person_id": ward["resident"].person_id}, content_type="application/json", **headers
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["total"], body["risk"]) == (9, "high") and body["scores"]["systolic_bp"] == 2
    assert [a["kind"] for a in body["alerts"]] == ["score"]
    observation = Observation.objects.get()
    assert (observation.source, observation.recorded_by) == ("api", "Oximeter hub 7")
    # A create-only device reads nothing from the FHIR API.
    read = client.get(f"/api/fhir/Patient/{ward['resident'].person_id}", **headers)
    assert read.status_code == 403


def test_the_api_refuses_implausible_values_naming_the_field_and_strangers(client, ward, make_user):
    admitted(ward)
    headers = _device(ward)
    response = client.post(
        API,
        {**API_BODY, "spo2": 150, "person_id": ward["resident"].person_id},
        content_type="application/json",
        **headers,
    )
    assert response.status_code == 422 and response.json()["field"] == "spo2" and "%" in response.json()["detail"]
    unknown = client.post(API, {**API_BODY, "person_id": "P99999999"}, content_type="application/json", **headers)
    assert unknown.status_code == 404
    from octopus.api.service_accounts import issue

    _account, token = issue("Other ward hub", ward["outsider"], "system/Observation.c")
    other = client.post(
        API,
        {**API_BODY, "person_id": ward["resident"].person_id},
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {token}",
    )
    assert other.status_code == 404  # not their team's ward: as if it did not exist
    _account, reader = issue("Reader", ward["coordinator"], "system/Patient.read")
    no_scope = client.post(
        API,
        {**API_BODY, "person_id": ward["resident"].person_id},
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {reader}",
    )
    assert no_scope.status_code == 403
    assert not Observation.objects.exists()


def test_fhir_export_gives_vital_signs_with_loinc_codes_in_the_full_scope_only(client, ward):
    admission = admitted(ward)
    services.record_observation(admission, WORSE, source="api", recorded_by="device-7")
    client.force_login(ward["nurse"])
    bundle = client.get("/api/fhir/Observation", {"patient": ward["resident"].person_id}).json()
    resources = [entry["resource"] for entry in bundle["entry"]]
    codes = {coding["code"] for r in resources for coding in r["code"].get("coding", [])}
    assert {"9279-1", "8867-4", "2708-6", "59408-5", "8310-5", "85354-9"} <= codes
    pulse = next(r for r in resources if r["id"].endswith("-heartrate"))
    assert pulse["valueQuantity"] == {
        "value": 112.0,
        "unit": "beats/minute",
        "system": "http://unitsofmeasure.org",
        "code": "/min",
    }
    assert pulse["category"][0]["coding"][0]["code"] == "vital-signs"
    bp = next(r for r in resources if r["id"].endswith("-bp"))
    assert bp["component"][0]["valueQuantity"]["value"] == 120.0
    news = next(r for r in resources if r["id"].endswith("-news2"))
    assert news["valueString"].startswith("5 (medium risk")
    # A social prescriber in the same team opens the record without clinical detail: nothing clinical.
    client.force_login(ward["prescriber"])
    bundle = client.get("/api/fhir/Observation", {"patient": ward["resident"].person_id}).json()
    assert bundle["total"] == 0
    assert [e["resource"]["resourceType"] for e in bundle["entry"]] == ["OperationOutcome"]


def test_the_meeting_entry_shows_the_ward_stay_with_latest_score_and_alerts(client, make_user):
    from octopus.governance.consent import record_consent
    from octopus.meetings import services as meetings
    from tests.meetings_factories import make_series

    world = make_series(make_user)
    resident = make_resident(given_name="Edna", flags={"current_inpatient": True})
    record_consent(actor=None, resident=resident, kind="discuss_at_mdt", status="given")
    meetings.generate_worklist(world["meeting"])
    entry = world["meeting"].entries.get(resident=resident)
    meetings.put_on_agenda(entry, world["gp"])
    meetings.publish_agenda(world["meeting"], world["gp"])
    meetings.confirm_confidentiality(world["series"], world["gp"])
    admission = services.admit(
        resident,
        world["team"],
        world["matron"],
        reason="Heart failure",
        expected_discharge_on=timezone.localdate(),
        observations_per_day=2,
    )
    services.record_observation(admission, WORSE, source="form", recorded_by="matron-test")
    client.force_login(world["gp"])
    page = client.get(reverse("meetings:discuss", args=[entry.pk])).content.decode()
    section = page.split('id="virtual-ward"', 1)[1].split("</ul>", 1)[0]
    assert "latest NEWS2 5 (medium risk)" in section.replace("–", "-")
    assert "NEWS2 score: NEWS2 5" in section


def test_the_periodic_check_raises_missed_alerts_through_the_task_worker(ward, monkeypatch):
    from octopus.virtualward import tasks

    admitted(ward)
    later = timezone.now() + dt.timedelta(hours=10)
    monkeypatch.setattr(services.timezone, "now", lambda: later)
    tasks.enqueue_check_unless_waiting()  # the immediate backend of the test settings runs it at once
    assert list(Alert.objects.values_list("kind", flat=True)) == [AlertKind.MISSED]
