"""Case-finding lists: who is listed, with what status and reason; the bulk actions, each
refused per resident with the reason; decisions that resurface when the listing changes."""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from octopus.care import services as care
from octopus.care.models import CarePlan, CheckIn, Task
from octopus.casefinding import lists, presenters, services
from octopus.casefinding.models import CheckInProgramme, ListDecision
from octopus.governance import access, consent
from octopus.governance.models import AuditEvent
from octopus.residents.models import Resident
from tests.casefinding_factories import SHIELDED, WELC, pcn_world, registered

pytestmark = pytest.mark.django_db
TODAY = dt.date(2026, 12, 3)


@pytest.fixture
def world():
    return pcn_world()


def listed(user, name, **filters):
    visible = access.residents_for(user)
    return list(lists.rows(visible, lists.get_list(name), lists.Filters(**filters), TODAY))


def test_cohort_list_shows_members_the_user_may_open_with_who_holds_them(world):
    held = registered(world["lisson"], given_name="Held", cohorts=[SHIELDED])
    registered(world["church"], given_name="Free", cohorts=[SHIELDED, WELC])
    registered(world["church"], given_name="Other", cohorts=[WELC])
    registered(world["pimlico"], given_name="Elsewhere", cohorts=[SHIELDED])
    registered(world["lisson"], given_name="Dead", cohorts=[SHIELDED], date_of_death=dt.date(2026, 11, 1))
    care.open_case(held, world["pcn_team"], world["coordinator"], source="search", holder=world["coordinator"])
    rows = {r.given_name: r for r in listed(world["coordinator"], "clinically_vulnerable")}
    assert set(rows) == {"Held", "Free"}
    shown = {
        row.name.split()[0]: row
        for row in presenters.rows(lists.get_list("clinically_vulnerable"), rows.values(), TODAY)
    }
    assert shown["Held"].caseload == "North Test PCN care coordination (Grace Mensah)"
    assert shown["Free"].caseload == "" and shown["Free"].status == lists.TO_REVIEW


def test_cohort_title_match_is_exact_not_a_substring(world):
    registered(world["lisson"], cohorts=["WELC target population (pilot)"])
    assert listed(world["gp"], "welc_target") == []


def test_list_filters_by_band_practice_age_and_caseload(world):
    old = registered(
        world["lisson"], given_name="Old", cohorts=[SHIELDED], date_of_birth=dt.date(1936, 5, 1), risk_band="very high"
    )
    young = registered(
        world["church"], given_name="Young", cohorts=[SHIELDED], date_of_birth=dt.date(1990, 12, 3), risk_band="high"
    )
    care.open_case(young, world["pcn_team"], world["coordinator"], source="search")
    user = world["coordinator"]
    assert [r.given_name for r in listed(user, "clinically_vulnerable", band="very high")] == ["Old"]
    assert [r.given_name for r in listed(user, "clinically_vulnerable", practice="E99002")] == ["Young"]
    from octopus.directory.models import Neighbourhood

    Neighbourhood.objects.create(
        name="Church Street INT", slug="church-street", borough_name="Westminster"
    ).practices.add(world["church"])
    assert [r.given_name for r in listed(user, "clinically_vulnerable", neighbourhood="church-street")] == ["Young"]
    assert [r.given_name for r in listed(user, "clinically_vulnerable", age_from=36, age_to=36)] == [
        "Young"
    ]  # 36 on TODAY
    assert [r.given_name for r in listed(user, "clinically_vulnerable", age_from=90)] == ["Old"]
    assert [r.given_name for r in listed(user, "clinically_vulnerable", caseload="yes")] == ["Young"]
    assert [r.given_name for r in listed(user, "clinically_vulnerable", caseload="no")] == ["Old"]
    assert [r.given_name for r in listed(user, "clinically_vulnerable", sort="age")] == ["Old", "Young"]
    assert old.pk != young.pk


def test_reviewed_no_action_holds_until_the_rising_risk_reason_changes(world):
    resident = registered(world["lisson"], rising_risk=True, rising_risk_reason="2 A&E attendances since the last run")
    case_list = lists.get_list("rising-risk")
    result = services.reviewed_no_action(case_list, [resident], world["gp"], note="Under the heart failure nurses")
    assert result.done == [resident]
    [row] = presenters.rows(case_list, listed(world["gp"], "rising-risk"), TODAY)
    assert row.status == lists.NO_ACTION and "Note: Under the heart failure nurses" in row.decision
    assert listed(world["gp"], "rising-risk", status=lists.TO_REVIEW) == []
    Resident.objects.filter(pk=resident.pk).update(rising_risk_reason="Admitted twice since the last run")
    [row] = presenters.rows(case_list, listed(world["gp"], "rising-risk"), TODAY)
    assert row.status == lists.TO_REVIEW and row.decision == ""
    assert "reviewed, no action; listed differently since" in row.earlier


def test_no_action_needs_a_note(world):
    resident = registered(world["lisson"], cohorts=[SHIELDED])
    with pytest.raises(Exception, match="Write why no action is needed"):
        services.reviewed_no_action(lists.get_list("clinically_vulnerable"), [resident], world["gp"], note=" ")


def test_open_cases_puts_residents_in_the_tier_with_a_lead_professional_and_audits_each(world):
    a, b = (
        registered(world["lisson"], rising_risk=True, rising_risk_reason="New heart failure diagnosis")
        for _ in range(2)
    )
    result = services.open_cases(
        lists.get_list("rising-risk"),
        [a, b],
        world["gp"],
        tier="proactive",
        team=world["practice_team"],
        lead_professional=world["coordinator"],
        reason="Rising risk: proactive review",
    )
    assert result.done == [a, b] and not result.refused
    for resident in (a, b):
        assert care.current_tier(resident).tier == "proactive"
        assert CarePlan.objects.get(resident=resident).lead_professional == world["coordinator"]
        decision = ListDecision.objects.get(resident=resident)
        assert decision.outcome == "case" and "Grace Mensah lead professional" in decision.detail
        entries = AuditEvent.objects.filter(resident_id=resident.person_id, object_type="ListDecision")
        assert entries.count() == 1 and entries.get().basis
    assert Task.objects.filter(owner=world["coordinator"], source="tier").count() == 2


def test_check_ins_refused_without_a_phone_number(world):
    resident = registered(world["lisson"], cohorts=[SHIELDED], phone="")
    result = services.start_check_ins(
        lists.get_list("clinically_vulnerable"),
        [resident],
        world["coordinator"],
        caller=world["coordinator"],
        script="shielded_monthly",
        first_due=TODAY,
    )
    assert result.refused[0].reason == "No phone number is recorded for the resident."


def test_bulk_action_refuses_per_resident_with_the_reason(world):
    fine = registered(world["lisson"], cohorts=[SHIELDED], given_name="Fine", phone="020 7946 0001")
    no_phone = registered(world["lisson"], cohorts=[SHIELDED], given_name="Quiet", phone="020 7946 0002")
    consent.record_contact_preference(actor=None, resident=no_phone, do_not_contact=True, note="Asked by daughter")
    objected = registered(world["lisson"], cohorts=[SHIELDED], given_name="Objector", phone="020 7946 0003")
    consent.record_objection(actor=None, resident=objected, kind="national_data_opt_out")
    elsewhere = registered(world["pimlico"], cohorts=[SHIELDED], given_name="Elsewhere")
    result = services.start_check_ins(
        lists.get_list("clinically_vulnerable"),
        [fine, no_phone, objected, elsewhere],
        world["coordinator"],
        caller=world["coordinator"],
        script="shielded_monthly",
        first_due=TODAY + dt.timedelta(days=7),
    )
    assert result.done == [fine]
    reasons = {r.resident.given_name: r.reason for r in result.refused}
    assert reasons["Quiet"].startswith("The resident asked not to be contacted")
    assert "National data opt-out" in reasons["Objector"]
    assert reasons["Elsewhere"] == "You have no legitimate relationship with this resident any more."
    programme = CheckInProgramme.objects.get(resident=fine)
    assert programme.caller == world["coordinator"] and programme.every_days == 30
    calls = CheckIn.objects.filter(resident=fine, status="scheduled").order_by("due_on")
    assert calls.count() == 6 and calls[1].due_on - calls[0].due_on == dt.timedelta(days=30)
    assert all(c.assignee == world["coordinator"] for c in calls)
    assert not CheckIn.objects.filter(resident=no_phone).exists()


def test_second_check_in_programme_is_refused(world):
    resident = registered(world["lisson"], cohorts=[SHIELDED], phone="020 7946 0004")
    args = dict(caller=world["coordinator"], script="shielded_monthly", first_due=TODAY)
    services.start_check_ins(lists.get_list("clinically_vulnerable"), [resident], world["coordinator"], **args)
    again = services.start_check_ins(lists.get_list("clinically_vulnerable"), [resident], world["coordinator"], **args)
    assert again.refused[0].reason == "Already has monthly check-ins running."


def test_add_to_meeting_refuses_a_resident_who_refused_consent(world):
    from octopus.meetings import services as meetings

    series = meetings.create_series(
        None,
        name="North INC",
        kind="inc",
        team=world["pcn_team"],
        schedule="Thursdays",
        worklist="inc",
        pcn=world["pcn"],
        members=[(world["coordinator"], "Coordinator")],
    )
    meeting = meetings.schedule_meeting(series, None, timezone.now() + dt.timedelta(days=2))
    agreed, refused = (
        registered(world["lisson"], cohorts=[WELC]),
        registered(world["lisson"], cohorts=[WELC], given_name="No"),
    )
    consent.record_consent(actor=None, resident=refused, kind="discuss_at_mdt", status="refused")
    result = services.add_to_meeting(
        lists.get_list("welc_target"),
        [agreed, refused],
        world["coordinator"],
        meeting=meeting,
        reason="Top of the WELC list",
    )
    assert result.done == [agreed]
    assert "refused consent to be discussed" in result.refused[0].reason
    assert meeting.entries.filter(resident=agreed).exists()


def test_outreach_allocates_households_for_planners_only(world, make_user):
    from octopus.accounts.models import Membership
    from octopus.outreach import services as outreach
    from octopus.outreach.models import Allocation
    from octopus.residents.factories import make_household

    round_ = outreach.create_round(
        None,
        name="Church Street, December",
        starts_on=timezone.localdate() - dt.timedelta(days=2),
        ends_on=timezone.localdate() + dt.timedelta(days=40),
    )
    chww = make_user("chww", team=world["pcn_team"], username="amina")
    case_list = lists.get_list("core20plus5")
    with pytest.raises(services.NotPermitted):
        services.allocate_to_outreach(case_list, [], world["coordinator"], round_=round_, worker=chww)
    # An INT that lets its PCN coordinators plan outreach gives them the planning role as well.
    Membership.objects.create(user=world["coordinator"], team=world["pcn_team"], role="analyst")
    planner = type(world["coordinator"]).objects.get(pk=world["coordinator"].pk)
    at_home = registered(world["church"], cohorts=["Core20PLUS5"], household=make_household())
    homeless = registered(world["church"], cohorts=["Core20PLUS5"])
    result = services.allocate_to_outreach(case_list, [at_home, homeless], planner, round_=round_, worker=chww)
    assert result.done == [at_home]
    assert result.refused[0].reason.startswith("No household is recorded")
    assert Allocation.objects.get(round=round_).household == at_home.household


def test_list_page_shows_rows_and_audits_once(client, world):
    registered(
        world["lisson"],
        given_name="Ada",
        family_name="Rising",
        rising_risk=True,
        rising_risk_reason="New heart failure diagnosis",
    )
    client.force_login(world["gp"])
    before = AuditEvent.objects.count()
    body = client.get(reverse("casefinding:list", args=["rising-risk"])).content.decode()
    assert "Ada Rising" in body and "New heart failure diagnosis" in body and "Lisson Grove Practice" in body
    new = list(AuditEvent.objects.order_by("id")[before:])
    assert len(new) == 2  # the page, and the one resident it names (for subject access)
    assert new[0].summary.startswith("Viewed the Rising risk list (1 residents")
    assert new[1].summary == "Listed on the Rising risk case-finding list" and new[1].resident_id


def test_list_page_unknown_name_is_404_naming_the_lists(client, world):
    client.force_login(world["gp"])
    response = client.get(reverse("casefinding:list", args=["nope"]))
    assert response.status_code == 404


def test_list_page_post_shows_refusals_and_hides_unrelated_names(client, world):
    mine = registered(world["lisson"], given_name="Mine", cohorts=[SHIELDED])
    theirs = registered(world["pimlico"], given_name="Theirs", family_name="Elsewhere", cohorts=[SHIELDED])
    client.force_login(world["gp"])
    response = client.post(
        reverse("casefinding:list", args=["clinically_vulnerable"]),
        {
            "person_id": [mine.person_id, theirs.person_id],
            "action": "no_action",
            "no_action-note": "Known to the practice nurse",
        },
    )
    body = response.content.decode()
    assert response.status_code == 200 and "Reviewed, no action" in body
    assert f"Person {theirs.person_id}" in body and "Theirs Elsewhere" not in body
    assert ListDecision.objects.filter(resident=mine, outcome="no_action").count() == 1
    assert not ListDecision.objects.filter(resident=theirs).exists()


def test_list_page_post_without_choice_shows_the_error(client, world):
    registered(world["lisson"], cohorts=[SHIELDED])
    client.force_login(world["gp"])
    response = client.post(
        reverse("casefinding:list", args=["clinically_vulnerable"]), {"action": "no_action", "no_action-note": "x"}
    )
    assert "Choose at least one resident from the list." in response.content.decode()


def test_vcse_worker_cannot_open_lists(client, make_user):
    from octopus.directory.models import Organisation, Team

    team = Team.objects.create(
        organisation=Organisation.objects.create(name="Charity", heart="vcse"), name="Advice", tier="tailored"
    )
    client.force_login(make_user("vcse_worker", team=team))
    assert client.get(reverse("casefinding:list", args=["rising-risk"])).status_code == 403


def test_coverage_counts_are_disclosure_controlled(client, world, make_user):
    for _ in range(12):
        registered(world["lisson"], cohorts=[WELC])
    for _ in range(3):
        registered(world["church"], cohorts=[WELC])
    client.force_login(make_user("int_manager", username="helen"))
    body = client.get(reverse("casefinding:coverage")).content.decode()
    assert "Lisson Grove Practice" in body and 'title="Suppressed"' in body
    assert ">12<" not in body and ">3<" not in body


def test_index_counts_follow_decisions_that_still_apply(world):
    a, b, c = (
        registered(world["lisson"], cohorts=[SHIELDED], rising_risk=True, rising_risk_reason="Admitted")
        for _ in range(3)
    )
    shielded, rising = lists.get_list("clinically_vulnerable"), lists.get_list("rising-risk")
    services.reviewed_no_action(shielded, [a], world["gp"], note="Stable")
    services.reviewed_no_action(rising, [b], world["gp"], note="Known")
    services.reviewed_no_action(rising, [c], world["gp"], note="Known")
    Resident.objects.filter(pk=c.pk).update(rising_risk_reason="Admitted again")
    counts = lists.index_counts(lists.visible_to(world["gp"]))
    assert counts["clinically_vulnerable"] == {"members": 3, lists.ACTED: 0, lists.NO_ACTION: 1, lists.TO_REVIEW: 2}
    assert counts["rising-risk"] == {"members": 3, lists.ACTED: 0, lists.NO_ACTION: 1, lists.TO_REVIEW: 2}


def test_list_length_from_the_summary_matches_the_query(world):
    for band, practice in [("high", "lisson"), ("high", "church"), ("moderate", "church")]:
        registered(world[practice], cohorts=[SHIELDED], risk_band=band)
    visible, case_list = lists.visible_to(world["coordinator"]), lists.get_list("clinically_vulnerable")
    counted = lists.summary(visible, case_list)
    for filters in [
        lists.Filters(),
        lists.Filters(band="high"),
        lists.Filters(practice="E99002", band="moderate"),
        lists.Filters(status=lists.TO_REVIEW, band="high"),
    ]:
        assert lists.count_from_summary(counted, filters) == lists.rows(visible, case_list, filters, TODAY).count()
    assert lists.count_from_summary(counted, lists.Filters(caseload="yes")) is None
