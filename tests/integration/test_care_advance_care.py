"""Advance care planning on the care plan: ReSPECT-style recommendations, who agreed them and
when, shown prominently to clinical scopes only, and exported in the FHIR CarePlan."""

import datetime as dt
import json

import pytest
from django.urls import reverse
from django.utils import timezone
from fhir.resources.R4B.careplan import CarePlan as FhirCarePlan

from octopus.care import services
from octopus.care.models import AdvanceCarePlan
from octopus.directory.models import Organisation, Team
from octopus.governance.models import AuditEvent
from octopus.residents.factories import make_resident

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(make_user):
    health = Organisation.objects.create(name="North Westminster PCN", heart="health")
    gp_team = Team.objects.create(organisation=health, name="Frailty team", tier="consistent")
    sp_team = Team.objects.create(organisation=health, name="Social Prescribing", tier="hyper_local")
    gp = make_user("clinician", team=gp_team, username="drpatel", first_name="Asha", last_name="Patel")
    sam = make_user("social_prescriber", team=sp_team, username="sam", first_name="Sam", last_name="Whitfield")
    resident = make_resident(given_name="Mary", family_name="Jones", nhs_number="9434765919")
    services.open_case(resident, gp_team, gp, source="search", holder=gp)
    services.open_case(resident, sp_team, sam, source="search", holder=sam)
    return {"gp": gp, "sam": sam, "resident": resident}


def _form(gp, **changes) -> dict:
    agreed = timezone.localdate() - dt.timedelta(days=3)
    return {
        "cpr_recommendation": "do_not_attempt",
        "care_focus": "comfort",
        "ceilings_of_treatment": "Ward-based care; not for intensive care or ventilation",
        "preferred_place_of_care": "care_home",
        "preferred_place_of_death": "care_home",
        "notes": "",
        "agreed_with": "Mary, with her daughter present",
        "agreed_by": str(gp.pk),
        "agreed_on": agreed.isoformat(),
        "review_date": "",
        **changes,
    }


def test_advance_care_plan_recorded_is_shown_prominently_on_record_and_plan(client, world):
    gp, resident = world["gp"], world["resident"]
    client.force_login(gp)
    response = client.post(reverse("care:advance_care", args=[resident.person_id]), _form(gp))
    assert response.status_code == 302
    acp = AdvanceCarePlan.objects.get(plan__resident=resident)
    assert (acp.cpr_recommendation, acp.care_focus, acp.agreed_by, acp.recorded_by) == (
        "do_not_attempt",
        "comfort",
        gp,
        gp,
    )
    entry = AuditEvent.objects.filter(resident_id=resident.person_id, action="create").latest("id")
    assert entry.summary.startswith(
        "Advance care plan recorded (CPR recommendation, Focus of care, Ceilings of treatment"
    )
    record = client.get(reverse("residents:record", args=[resident.person_id])).content.decode()
    assert "Advance care plan" in record and "CPR attempts NOT recommended" in record
    assert record.index("CPR attempts NOT recommended") < record.index('id="about"')  # before everything else
    assert "Ward-based care; not for intensive care or ventilation" in record
    assert "with Mary, with her daughter present, by Asha Patel" in record
    plan_page = client.get(reverse("care:plan", args=[resident.person_id])).content.decode()
    assert "CPR attempts NOT recommended" in plan_page and "Change the advance care plan" in plan_page


def test_advance_care_plan_hidden_from_scope_without_clinical_detail(client, world):
    gp, sam, resident = world["gp"], world["sam"], world["resident"]
    plan = services.start_plan(resident, gp)
    services.record_advance_care_plan(
        plan, gp, cpr_recommendation="do_not_attempt", agreed_with="Mary", agreed_by=gp, agreed_on=timezone.localdate()
    )
    client.force_login(sam)
    record = client.get(reverse("residents:record", args=[resident.person_id])).content.decode()
    assert "An advance care plan is recorded for Mary" in record and "NOT recommended" not in record
    assert client.get(reverse("care:advance_care", args=[resident.person_id])).status_code == 403
    exported = json.loads(client.get(reverse("care:plan_fhir", args=[resident.person_id])).content)
    assert "supportingInfo" not in exported
    assert all(c["resourceType"] != "Observation" for c in exported.get("contained", []))


def test_fhir_care_plan_carries_the_advance_care_plan_and_validates(client, world):
    gp, resident = world["gp"], world["resident"]
    agreed = timezone.localdate() - dt.timedelta(days=1)
    plan = services.start_plan(resident, gp)
    services.record_advance_care_plan(
        plan,
        gp,
        cpr_recommendation="do_not_attempt",
        care_focus="balance",
        preferred_place_of_death="home",
        agreed_with="Mary",
        agreed_by=gp,
        agreed_on=agreed,
    )
    client.force_login(gp)
    body = client.get(reverse("care:plan_fhir", args=[resident.person_id])).content
    resource = FhirCarePlan.model_validate_json(body)
    observations = {c.id: c for c in resource.contained if c.get_resource_type() == "Observation"}
    assert set(observations) == {"acp-cpr", "acp-focus", "acp-place-of-death"}
    cpr = observations["acp-cpr"]
    assert (cpr.code.text, cpr.valueString, cpr.performer[0].display) == (
        "CPR recommendation (ReSPECT section 4)",
        "CPR attempts NOT recommended",
        "Asha Patel",
    )
    assert str(cpr.effectiveDateTime) == agreed.isoformat() and cpr.note[0].text == "Agreed with Mary"
    assert [s.reference for s in resource.supportingInfo] == ["#acp-cpr", "#acp-focus", "#acp-place-of-death"]


def test_advance_care_plan_without_who_agreed_is_refused_and_nothing_saved(client, world):
    gp, resident = world["gp"], world["resident"]
    client.force_login(gp)
    page = client.post(
        reverse("care:advance_care", args=[resident.person_id]), _form(gp, agreed_with="")
    ).content.decode()
    assert "There is a problem" in page
    assert not AdvanceCarePlan.objects.exists()


def test_advance_care_plan_shown_at_the_top_of_the_meeting_entry(client, make_user):
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
    plan = services.start_plan(resident, world["gp"])
    services.record_advance_care_plan(
        plan,
        world["gp"],
        cpr_recommendation="do_not_attempt",
        care_focus="comfort",
        agreed_with="Edna",
        agreed_by=world["gp"],
        agreed_on=timezone.localdate(),
    )
    client.force_login(world["gp"])
    page = client.get(reverse("meetings:discuss", args=[entry.pk])).content.decode()
    assert "CPR attempts NOT recommended" in page
    assert page.index("CPR attempts NOT recommended") < page.index("Why listed")
