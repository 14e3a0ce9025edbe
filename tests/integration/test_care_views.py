"""Care coordination pages: permissions, audit (exactly once per view), and the flows."""

import datetime as dt
import json

import pytest
from django.urls import reverse
from django.utils import timezone

from octopus.care import services
from octopus.care.models import CarePlan, Case, CheckIn, Referral, Task
from octopus.directory.models import Organisation, Practitioner, Team
from octopus.governance.models import AuditEvent
from octopus.residents.factories import make_resident

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(make_user):
    """Sam (social prescriber) in one team; Fred (VCSE debt adviser) in another; an outsider."""
    health = Organisation.objects.create(name="North Westminster PCN", heart="health")
    vcse = Organisation.objects.create(name="Citizens Advice Westminster", heart="vcse")
    sp_team = Team.objects.create(organisation=health, name="Social Prescribing", tier="hyper_local")
    debt_team = Team.objects.create(organisation=vcse, name="Debt and Welfare Advice", tier="tailored")
    inc_team = Team.objects.create(organisation=health, name="INC", tier="consistent", never_declines=True)
    sam_p = Practitioner.objects.create(
        given_name="Sam",
        family_name="Whitfield",
        job_title="Social prescribing link worker",
        team=sp_team,
        phone="020 7000 1005",
    )
    fred_p = Practitioner.objects.create(
        given_name="Fred",
        family_name="Adeyemi",
        job_title="Debt adviser",
        team=debt_team,
        phone="020 7000 2001",
        email="fred@example.org",
    )
    sam = make_user(
        "social_prescriber", team=sp_team, username="sam", first_name="Sam", last_name="Whitfield", practitioner=sam_p
    )
    fred = make_user(
        "vcse_worker", team=debt_team, username="fred", first_name="Fred", last_name="Adeyemi", practitioner=fred_p
    )
    outsider = make_user("clinician", username="outsider")
    resident = make_resident(
        given_name="Mary",
        family_name="Jones",
        rising_risk=True,
        rising_risk_reason="2 A&E attendances since the last run",
    )
    services.open_case(resident, sp_team, sam, source="search", holder=sam)
    return {
        "sam": sam,
        "fred": fred,
        "outsider": outsider,
        "resident": resident,
        "sp_team": sp_team,
        "debt_team": debt_team,
        "inc_team": inc_team,
        "fred_p": fred_p,
        "health": health,
        "vcse": vcse,
    }


def views_audited(since_id):
    """The page's own audit entries; a list page also writes one "Listed on …" entry per resident
    it names (for subject access), checked on its own."""
    return list(
        AuditEvent.objects.filter(id__gt=since_id, action__in=["view", "search", "export"]).exclude(
            summary__startswith="Listed on the"
        )
    )


def last_audit_id():
    last = AuditEvent.objects.order_by("-id").first()
    return last.id if last else 0


def get_audited_once(client, url, status=200):
    before = last_audit_id()
    response = client.get(url)
    assert response.status_code == status, response.content.decode()[:2000]
    assert len(views_audited(before)) == 1, [e.summary for e in views_audited(before)]
    return response


def test_care_pages_render_and_audit_once(client, world):
    client.force_login(world["sam"])
    pid = world["resident"].person_id
    services.start_plan(world["resident"], world["sam"])
    case = Case.objects.get(resident=world["resident"])
    for url in [
        reverse("care:caseload"),
        reverse("care:inbox"),
        reverse("care:referrals"),
        reverse("care:refer", args=[pid]),
        reverse("care:add_case", args=[pid]),
        reverse("care:plan", args=[pid]),
        reverse("care:plan_edit", args=[pid]),
        reverse("care:plan_print", args=[pid]),
        reverse("care:tier", args=[pid]),
        reverse("care:check_ins", args=[pid]),
        reverse("care:death", args=[pid]),
        reverse("care:close_case", args=[case.pk]),
        reverse("care:plan_fhir", args=[pid]),
    ]:
        get_audited_once(client, url)


def test_care_pages_refused_without_relationship(client, world):
    client.force_login(world["outsider"])
    pid = world["resident"].person_id
    for name in [
        "care:refer",
        "care:plan",
        "care:plan_edit",
        "care:tier",
        "care:check_ins",
        "care:death",
        "care:add_case",
    ]:
        assert client.get(reverse(name, args=[pid])).status_code == 403, name


def test_caseload_needs_hold_caseload_capability(client, make_user):
    client.force_login(make_user("chww"))
    assert client.get(reverse("care:caseload")).status_code == 403


def test_caseload_lists_team_cases_with_counts(client, world):
    client.force_login(world["sam"])
    response = client.get(reverse("care:caseload"), {"sort": "overdue"})
    body = response.content.decode()
    assert "Mary Jones" in body
    assert "Open cases" in body and "New this week" in body
    from octopus.care import queries

    counts = queries.caseload_counts(queries.caseload(world["sam"]))
    assert counts["open"] == 1 and counts["new_this_week"] == 1 and counts["reviews_overdue"] == 0


def test_caseload_counts_each_figure_and_pages_by_fifty(client, world):
    from octopus.care import queries

    sam, team, today = world["sam"], world["sp_team"], timezone.localdate()
    late = make_resident(given_name="Late", family_name="Review")
    services.open_case(late, team, sam, source="search", next_review_due=today - dt.timedelta(days=3))
    behind = make_resident(given_name="Behind", family_name="Actions")
    services.open_case(behind, team, sam, source="search")
    plan = services.start_plan(behind, sam)
    for description in ("Benefits check", "Falls referral"):  # two overdue actions, one resident
        services.add_action(plan, sam, description=description, owner=sam, due=today - dt.timedelta(days=1))
    counts = queries.caseload_counts(queries.caseload(sam))
    assert counts == {"open": 3, "reviews_overdue": 1, "new_this_week": 3, "with_overdue_actions": 1}
    for n in range(48):
        services.open_case(make_resident(family_name=f"Zz{n:02d}"), team, sam, source="search")
    client.force_login(sam)
    first = client.get(reverse("care:caseload"), {"sort": "name"}).content.decode()
    second = client.get(reverse("care:caseload"), {"sort": "name", "page": 2}).content.decode()
    assert "Page 2 of 2" in first and "Zz46" in first and "Zz47" not in first
    assert "Page 1 of 2" in second and "Zz47" in second


def test_warm_introduction_flow_sender_sees_progress(client, world):
    sam, fred, resident = world["sam"], world["fred"], world["resident"]
    client.force_login(sam)
    response = client.post(
        reverse("care:refer", args=[resident.person_id]),
        {
            "to_practitioner": world["fred_p"].pk,
            "reason": "Behind on rent, isolated",
            "urgency": "soon",
            "shared_information": "Rent arrears since March",
            "preferred_contact": "phone",
            "contact_details": "Mornings",
            "resident_agreed": "on",
        },
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    referral = Referral.objects.get()
    assert referral.is_introduction and referral.to_team == world["debt_team"]
    # Fred now has a relationship through the introduction and sees it in his inbox.
    client.force_login(fred)
    assert "Mary Jones" in client.get(reverse("care:inbox")).content.decode()
    assert client.get(reverse("residents:record", args=[resident.person_id])).status_code == 200
    assert (
        client.post(
            reverse("care:referral_action", args=[referral.pk, "accept"]), {"note": "Will call tomorrow"}
        ).status_code
        == 302
    )
    referral.refresh_from_db()
    assert referral.status == "accepted" and referral.owner == fred
    assert Case.objects.filter(resident=resident, team=world["debt_team"], holder=fred, closed_at__isnull=True).exists()
    client.force_login(sam)
    body = client.get(reverse("care:referral", args=[referral.pk])).content.decode()
    assert "Accepted" in body and "Will call tomorrow" in body
    # Sam hears of it in the inbox, not only as a status on the referrals list.
    assert f"accepted your introduction of {resident.name}" in client.get(reverse("care:inbox")).content.decode()


def test_introducing_twice_to_the_same_person_warns_and_sends_only_when_confirmed(client, world):
    client.force_login(world["sam"])
    form = {
        "to_practitioner": world["fred_p"].pk,
        "reason": "Behind on rent",
        "urgency": "soon",
        "shared_information": "Rent arrears",
        "preferred_contact": "phone",
        "resident_agreed": "on",
    }
    url = reverse("care:refer", args=[world["resident"].person_id])
    assert client.post(url, form).status_code == 302
    again = client.post(url, form)
    body = again.content.decode()
    assert again.status_code == 200 and "already has an open introduction of Mary Jones" in body
    assert 'name="send_anyway"' in body and Referral.objects.count() == 1
    assert client.post(url, {**form, "send_anyway": "on"}).status_code == 302
    assert Referral.objects.count() == 2


def test_referral_form_requires_consent_and_contact_route(client, world):
    client.force_login(world["sam"])
    response = client.post(
        reverse("care:refer", args=[world["resident"].person_id]),
        {
            "to_team": world["debt_team"].pk,
            "reason": "x",
            "urgency": "soon",
            "shared_information": "y",
        },
    )
    assert response.status_code == 200
    body = response.content.decode()
    assert "There is a problem" in body and "How the resident would like to be contacted" in body
    assert 'href="#id_resident_agreed"' in body and 'href="#id_preferred_contact"' in body
    assert Referral.objects.count() == 0


def test_receiver_cannot_decline_for_never_declines_team(client, world, make_user):
    inc_member = make_user("care_coordinator", team=world["inc_team"], username="inc")
    referral = services.send_referral(
        world["resident"],
        world["sam"],
        to_team=world["inc_team"],
        reason="Complex needs",
        urgency="routine",
        shared_information="All",
        resident_agreed=True,
        preferred_contact="phone",
    )
    client.force_login(inc_member)
    assert client.get(reverse("care:referral_action", args=[referral.pk, "decline"])).status_code == 403
    assert client.get(reverse("care:referral_action", args=[referral.pk, "redirect"])).status_code == 200


def test_sender_cannot_accept_own_referral(client, world):
    referral = services.send_referral(
        world["resident"],
        world["sam"],
        to_team=world["debt_team"],
        reason="r",
        urgency="routine",
        shared_information="s",
        resident_agreed=True,
        preferred_contact="phone",
    )
    client.force_login(world["sam"])
    assert client.post(reverse("care:referral_action", args=[referral.pk, "accept"]), {}).status_code == 403


def test_plan_edit_conflict_is_shown_not_overwritten(client, world, make_user):
    sam, resident = world["sam"], world["resident"]
    plan = services.start_plan(resident, sam)
    client.force_login(sam)
    page = client.get(reverse("care:plan_edit", args=[resident.person_id])).content.decode()
    assert 'name="version" value="1"' in page
    # Someone else saves first.
    services.save_plan(
        plan,
        world["fred"],
        expected_version=1,
        what_matters="Seeing my grandchildren",
        goals=["Walk to the park"],
        needs={},
        lead_professional=None,
        review_date=None,
    )
    response = client.post(
        reverse("care:plan_edit", args=[resident.person_id]),
        {
            "version": "1",
            "what_matters": "Staying at home",
            "goals": "",
            "lead_professional": "",
            "review_date": "",
        },
    )
    assert response.status_code == 200
    body = response.content.decode()
    assert "Someone else changed this plan" in body and "Seeing my grandchildren" in body
    plan.refresh_from_db()
    assert plan.what_matters == "Seeing my grandchildren" and plan.version == 2
    # The form now carries the latest version, so a deliberate second save goes through.
    assert 'name="version" value="2"' in body
    response = client.post(
        reverse("care:plan_edit", args=[resident.person_id]),
        {
            "version": "2",
            "what_matters": "Staying at home",
            "goals": "Walk to the park",
            "lead_professional": sam.pk,
            "review_date": "2027-01-10",
            "need_money": "Rent arrears",
        },
    )
    assert response.status_code == 302
    plan.refresh_from_db()
    assert plan.version == 3 and plan.needs == {"money": "Rent arrears"} and plan.lead_professional == sam


def test_fhir_export_validates_as_r4_careplan(client, world):
    from fhir.resources.R4B.careplan import CarePlan as FhirCarePlan

    sam, resident = world["sam"], world["resident"]
    plan = services.start_plan(resident, sam)
    services.save_plan(
        plan,
        sam,
        expected_version=1,
        what_matters="Staying at home",
        goals=["Manage money", "Join a lunch club"],
        needs={"money": "Rent arrears", "isolation": "Lives alone"},
        lead_professional=sam,
        review_date=dt.date(2027, 1, 10),
    )
    services.add_action(
        plan, sam, description="Introduce to Citizens Advice", owner=world["fred"], due=dt.date(2026, 12, 1)
    )
    client.force_login(sam)
    response = get_audited_once(client, reverse("care:plan_fhir", args=[resident.person_id]))
    assert response["Content-Type"] == "application/fhir+json"
    document = json.loads(response.content)
    parsed = FhirCarePlan.model_validate(document)
    assert parsed.intent == "plan" and parsed.status == "active"
    assert len(parsed.goal) == 2 and len(parsed.contained) == 2
    assert parsed.activity[0].detail.status == "not-started"
    assert parsed.subject.identifier.value == resident.nhs_number
    assert AuditEvent.objects.filter(action="export", resident_id=resident.person_id).count() == 1


def test_check_ins_and_death_stop_contacts(client, world):
    sam, resident = world["sam"], world["resident"]
    client.force_login(sam)
    response = client.post(
        reverse("care:check_ins", args=[resident.person_id]),
        {
            "organisation": world["health"].pk,
            "first_due": "2026-12-01",
            "every_days": "28",
            "count": "3",
            "assignee": sam.pk,
        },
    )
    assert response.status_code == 302
    assert CheckIn.objects.filter(resident=resident, status="scheduled").count() == 3
    plan = services.start_plan(resident, sam, lead_professional=sam)
    assert plan.lead_professional == sam
    response = client.post(
        reverse("care:death", args=[resident.person_id]),
        {
            "date_of_death": "2026-11-20",
            "source": "Told by daughter",
            "confirm": "on",
        },
    )
    assert response.status_code == 302
    assert CheckIn.objects.filter(resident=resident, status="scheduled").count() == 0
    assert not Case.objects.filter(resident=resident, closed_at__isnull=True).exists()
    assert Task.objects.filter(owner=sam, source="bereavement", resident=resident).exists()


def test_rising_risk_page_redirects_to_the_case_finding_list(client, world):
    client.force_login(world["sam"])
    response = client.get(reverse("care:rising_risk"))
    assert response.status_code == 302 and response["Location"] == reverse("casefinding:list", args=["rising-risk"])


def test_task_done_only_by_owner(client, world):
    task = services.create_task(
        world["sam"], "Call back", dt.date(2026, 12, 1), resident=world["resident"], source="meeting"
    )
    client.force_login(world["fred"])
    assert client.post(reverse("care:task_done", args=[task.pk])).status_code == 404
    client.force_login(world["sam"])
    assert client.post(reverse("care:task_done", args=[task.pk])).status_code == 302
    task.refresh_from_db()
    assert task.done_at is not None


def test_starting_a_plan_from_the_form_saves_it(client, world):
    client.force_login(world["sam"])
    pid = world["resident"].person_id
    assert 'name="version" value="1"' in client.get(reverse("care:plan_edit", args=[pid])).content.decode()
    response = client.post(
        reverse("care:plan_edit", args=[pid]),
        {"version": "1", "what_matters": "My cat", "goals": "", "lead_professional": "", "review_date": ""},
    )
    assert response.status_code == 302
    assert CarePlan.objects.get(resident=world["resident"]).what_matters == "My cat"


def test_caseload_filters_per_practitioner(client, world, make_user):
    colleague = make_user("social_prescriber", team=world["sp_team"], username="colleague", first_name="Cara")
    other = make_resident(given_name="Olive", family_name="Other")
    services.open_case(other, world["sp_team"], colleague, source="search", holder=colleague)
    client.force_login(world["sam"])
    both = client.get(reverse("care:caseload")).content.decode()
    assert "Mary Jones" in both and "Olive Other" in both
    mine = client.get(reverse("care:caseload"), {"holder": "me"}).content.decode()
    assert "Mary Jones" in mine and "Olive Other" not in mine
    theirs = client.get(reverse("care:caseload"), {"holder": str(colleague.pk)}).content.decode()
    assert "Olive Other" in theirs and "Mary Jones" not in theirs


def test_referral_pages_audit_once_and_inbox_shows_monitoring(client, world):
    referral = services.send_referral(
        world["resident"],
        world["sam"],
        to_practitioner=world["fred_p"],
        reason="r",
        urgency="routine",
        shared_information="s",
        resident_agreed=True,
        preferred_contact="phone",
    )
    client.force_login(world["fred"])
    get_audited_once(client, reverse("care:referral", args=[referral.pk]))
    get_audited_once(client, reverse("care:referral_action", args=[referral.pk, "accept"]))
    get_audited_once(client, reverse("residents:record", args=[world["resident"].person_id]))
    services.set_tier(world["resident"], "complex", "INC", world["sam"])
    services.set_tier(world["resident"], "proactive", "Stable", world["sam"])
    client.force_login(world["sam"])
    body = client.get(reverse("care:inbox")).content.decode()
    assert "Stepped down and monitored (1)" in body and "monitored until" in body


def test_caseload_page_records_each_listed_resident_for_subject_access(client, world):
    from octopus.governance.presenters import subject_access_rows

    client.force_login(world["sam"])
    assert client.get(reverse("care:caseload")).status_code == 200
    listed = AuditEvent.objects.filter(user=world["sam"], summary="Listed on the caseload page")
    assert list(listed.values_list("resident_id", "basis")) == [(world["resident"].person_id, "caseload")]
    assert any(row.what == "Listed on the caseload page" for row in subject_access_rows(world["resident"].person_id))


def test_resident_search_records_each_resident_found(client, world):
    client.force_login(world["sam"])
    assert client.get(reverse("residents:search"), {"q": "Jones"}).status_code == 200
    found = AuditEvent.objects.filter(user=world["sam"], summary__startswith="Found by a resident search")
    assert list(found.values_list("resident_id", flat=True)) == [world["resident"].person_id]


def test_inbox_lists_due_check_ins_only_for_residents_the_user_may_open(client, world):
    """Unassigned check-ins of the user's organisation appear for residents they have a
    relationship with; one about a resident they cannot open stays out of the inbox."""
    stranger = make_resident(given_name="Peter", family_name="Stranger")
    today = timezone.localdate()
    for resident in (world["resident"], stranger):
        services.schedule_check_ins(
            resident, organisation=world["health"], first_due=today, count=1, actor=world["sam"]
        )
    client.force_login(world["sam"])
    body = client.get(reverse("care:inbox")).content.decode()
    assert "Check-ins due (1)" in body
    assert "Check in with Mary Jones" in body and "Stranger" not in body
