"""Planning rounds, allocating households in walking order, and recording doorstep visits."""

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone

from octopus.care.models import Referral
from octopus.directory.models import Practitioner
from octopus.governance import consent
from octopus.governance.consent import record_contact_preference
from octopus.governance.models import AuditEvent, ContactRoute
from octopus.outreach import queries, services
from octopus.outreach.models import Allocation, Visit
from octopus.residents.factories import make_household, make_resident
from octopus.residents.models import ActivityEvent, ActivityKind
from tests.outreach_factories import church_street, make_round

# `clock`: outcomes here are reckoned from today (due dates, expiries, rounds, worklist windows).
pytestmark = [pytest.mark.django_db, pytest.mark.clock]


@pytest.fixture
def street(make_user):
    return church_street(make_user)


def test_allocate_orders_households_by_street_then_number(make_user):
    planner, chww = make_user("analyst"), make_user("chww")
    households = [
        make_household(address_line=line)
        for line in ("40 Church Street", "Flat 2, 7 Bell Street", "7 Church Street", "Flat 1, 7 Bell Street")
    ]
    round_ = make_round(planner)
    made = services.allocate(
        round_, planner, worker=chww, households=households, visits_per_day=3, first_day=round_.starts_on
    )
    assert [a.household.address_line for a in sorted(made, key=lambda a: a.position)] == [
        "Flat 1, 7 Bell Street",
        "Flat 2, 7 Bell Street",
        "7 Church Street",
        "40 Church Street",
    ]
    assert [a.position for a in sorted(made, key=lambda a: a.position)] == [1, 2, 3, 4]
    days = [a.planned_on for a in sorted(made, key=lambda a: a.position)]
    assert days[0] == days[1] == days[2] and days[3] > days[2] and all(d.weekday() < 5 for d in days)


def test_households_without_coordinates_cluster_by_lsoa(make_user):
    planner, chww = make_user("analyst"), make_user("chww")
    church, city = "E01004670", "E01000001"
    households = [
        make_household(address_line="1 A Street", lsoa_code=church),
        make_household(address_line="2 A Street", lsoa_code=city),
        make_household(address_line="1 B Street", lsoa_code=church),
    ]
    made = services.allocate(make_round(planner), planner, worker=chww, households=households)
    assert [a.household.address_line for a in sorted(made, key=lambda a: a.position)] == [
        "1 A Street",
        "1 B Street",
        "2 A Street",
    ]


def test_care_homes_are_not_offered_for_door_knocking(street):
    home = make_household(address_line="Garside Care Home", lsoa_code="E01004670")
    make_resident(household=home, flags={"care_home": True})
    flat = make_household(address_line="Flat 1, Church Street", lsoa_code="E01004670")
    make_resident(household=flat)
    found, total = queries.candidate_households(street["round"], area="E01004670")
    assert [h.address_line for h in found] == ["Flat 1, Church Street"] and total == 1


def test_a_second_batch_follows_the_first(street):
    extra = make_household(address_line="1 Aaron Street")
    more = services.allocate(street["round"], street["planner"], worker=street["chww"], households=[extra])
    assert more[0].position == 3


def test_planned_days_skip_weekends_and_stop_at_the_end_of_the_round():
    friday = dt.date(2026, 11, 6)
    assert services.planned_days(friday, dt.date(2026, 11, 9), 2, 5) == [
        friday,
        friday,
        dt.date(2026, 11, 9),
        dt.date(2026, 11, 9),
        None,
    ]


@pytest.mark.parametrize("role", ["social_prescriber", "clinician", "analyst"])
def test_only_chwws_are_given_households(make_user, role):
    planner = make_user("int_manager")
    with pytest.raises(ValidationError, match="not a community health and wellbeing worker"):
        services.allocate(make_round(planner), planner, worker=make_user(role), households=[make_household()])


def test_ended_or_withdrawn_rounds_take_no_households(street):
    round_ = street["round"]
    services.withdraw_round(round_, street["planner"], "Estate decanted")
    with pytest.raises(ValidationError, match="withdrawn"):
        services.allocate(round_, street["planner"], worker=street["chww"], households=[make_household()])
    with pytest.raises(ValidationError, match="Say why"):
        services.withdraw_round(make_round(street["planner"]), street["planner"], " ")


def test_visit_outcomes_and_progress(street):
    chww, first, second = street["chww"], street["first"], street["second"]
    assert queries.progress(street["round"])[0].label == "0 of 2 households visited"
    services.record_visit(second, chww, outcome="no_answer")
    assert queries.progress(street["round"])[0].visited == 0  # no answer: still to visit
    services.record_visit(
        first, chww, outcome="spoke", spoke_with=street["older"], note="Damp in the flat; wants screening kit"
    )
    services.record_visit(second, chww, outcome="moved")
    assert queries.progress(street["round"], chww)[0].label == "2 of 2 households visited"


def test_a_conversation_goes_on_the_residents_timeline_and_is_audited(street):
    visit = services.record_visit(
        street["first"],
        street["chww"],
        outcome="spoke",
        spoke_with=street["older"],
        note="Private note",
        path="/outreach/households/1/visit/",
    )
    event = ActivityEvent.objects.get(resident=street["older"], kind=ActivityKind.OCTOPUS)
    assert "community health and wellbeing worker" in event.summary and "Private note" not in event.summary
    audit = AuditEvent.objects.get(object_type="Visit", object_id=str(visit.pk))
    assert audit.action == "create" and audit.resident_id == street["older"].person_id and audit.basis


def test_do_not_contact_needs_acknowledgement(street):
    record_contact_preference(actor=None, resident=street["younger"], do_not_contact=True)
    with pytest.raises(ValidationError) as refused:
        services.record_visit(street["first"], street["chww"], outcome="spoke", spoke_with=street["older"])
    assert "Ama Mensah asked not to be contacted" in str(refused.value.message_dict["acknowledged"])
    visit = services.record_visit(
        street["first"], street["chww"], outcome="spoke", spoke_with=street["older"], acknowledged=True
    )
    assert visit.do_not_contact_acknowledged


def test_refused_home_visits_need_acknowledgement_too(street):
    record_contact_preference(
        actor=None, resident=street["neighbour"], refused_routes=["visit"], preferred_route="phone"
    )
    with pytest.raises(ValidationError):
        services.record_visit(street["second"], street["chww"], outcome="no_answer")


def test_asking_not_to_be_visited_again_is_recorded_and_kept_with_other_preferences(street):
    record_contact_preference(
        actor=None, resident=street["older"], preferred_route="phone", refused_routes=["sms"], language="Twi"
    )
    services.record_visit(
        street["first"], street["chww"], outcome="declined", spoke_with=street["older"], no_more_visits=True
    )
    preference = consent.current_preference(street["older"])
    assert (
        sorted(preference.refused_routes) == ["sms", "visit"]
        and preference.preferred_route == "phone"
        and preference.language == "Twi"
    )
    assert consent.may_contact(street["older"], ContactRoute.VISIT)[0] is False
    with pytest.raises(ValidationError, match="Choose who"):
        services.record_visit(street["second"], street["chww"], outcome="declined", no_more_visits=True)


def test_only_the_allocated_chww_records_visits_while_the_round_runs(street, make_user):
    with pytest.raises(PermissionDenied):
        services.record_visit(street["first"], make_user("chww"), outcome="spoke")
    Allocation.objects.filter(pk=street["first"].pk).update(withdrawn_at=timezone.now())
    street["first"].refresh_from_db()
    with pytest.raises(PermissionDenied):
        services.record_visit(street["first"], street["chww"], outcome="spoke")


def test_spoke_with_must_live_there(street):
    with pytest.raises(ValidationError, match="lives in this household"):
        services.record_visit(street["first"], street["chww"], outcome="spoke", spoke_with=street["neighbour"])


def test_may_contact_many_agrees_with_may_contact(street):
    record_contact_preference(actor=None, resident=street["younger"], do_not_contact=True)
    record_contact_preference(actor=None, resident=street["older"], refused_routes=["phone"])
    homeless = make_resident(address_line="", postcode="")
    residents = [street["older"], street["younger"], street["neighbour"], homeless]
    for route in ContactRoute.values:
        assert consent.may_contact_many(residents, route) == {r.pk: consent.may_contact(r, route) for r in residents}


# --- the pages -----------------------------------------------------------------------------------


def test_chww_day_page_lists_households_in_walking_order_with_progress(street, client):
    services.record_visit(street["second"], street["chww"], outcome="spoke")
    client.force_login(street["chww"])
    page = client.get(reverse("outreach:index")).content.decode()
    assert "1 of 2</strong> households visited" in page
    assert "12 Church Street" in page and "3 Church Street" in page
    assert "Joseph" not in page  # names are on the household page only


def test_recording_a_visit_through_the_page(street, client):
    client.force_login(street["chww"])
    url = reverse("outreach:visit", args=[street["first"].pk])
    response = client.post(
        url, {"outcome": "spoke", "spoke_with": street["older"].person_id, "note": "Wants bowel screening kit"}
    )
    assert response.status_code == 302 and response["Location"] == reverse("outreach:index")
    assert Visit.objects.get().spoke_with == street["older"]


def test_visit_page_redisplays_with_errors_and_audits_the_view(street, client):
    record_contact_preference(actor=None, resident=street["younger"], do_not_contact=True)
    client.force_login(street["chww"])
    before = AuditEvent.objects.count()
    response = client.post(reverse("outreach:visit", args=[street["first"].pk]), {"outcome": "spoke"})
    assert response.status_code == 200 and "Confirm you have read this" in response.content.decode()
    assert not Visit.objects.exists()
    assert AuditEvent.objects.count() - before == 2  # one view entry per resident shown


def test_introduction_from_the_doorstep_uses_the_referral_service(street, client):
    fred = Practitioner.objects.create(
        given_name="Fred",
        family_name="Adeyemi",
        job_title="Housing officer",
        team=street["chww"].memberships.get().team,
    )
    client.force_login(street["chww"])
    response = client.post(
        reverse("outreach:introduce", args=[street["first"].pk, street["older"].person_id]),
        {
            "to_practitioner": fred.pk,
            "reason": "Damp in the flat",
            "urgency": "soon",
            "shared_information": "Damp; lives with daughter",
            "preferred_contact": "phone",
            "resident_agreed": "on",
        },
    )
    assert response.status_code == 302
    referral = Referral.objects.get()
    assert (
        referral.to_practitioner == fred and referral.sender == street["chww"] and referral.resident == street["older"]
    )


def test_planner_plans_a_round_and_allocates_from_an_area(make_user, client):
    planner, chww = make_user("int_manager"), make_user("chww", first_name="Amina", last_name="Hassan")
    church = [make_household(address_line=f"{n} Church Street", lsoa_code="E01004670") for n in (5, 1)]
    make_household(address_line="9 Elsewhere Road", lsoa_code="E01000001")
    for household in church:
        make_resident(household=household)
    client.force_login(planner)
    today = timezone.localdate()
    response = client.post(
        reverse("outreach:round_create"),
        {
            "name": "Church Street, November",
            "area": "Church Street",
            "starts_on": today,
            "ends_on": today + dt.timedelta(days=30),
        },
    )
    assert response.status_code == 302
    allocate_url = response["Location"]
    areas = client.get(allocate_url).content.decode()
    assert "E01004670" in areas
    found = client.get(allocate_url + "?area=Church+Street").content.decode()
    assert "1 Church Street" in found and "5 Church Street" in found and "Elsewhere" not in found
    response = client.post(
        allocate_url + "?area=Church+Street",
        {"worker": chww.pk, "visits_per_day": 9, "first_day": today, "households": [h.pk for h in church]},
    )
    assert response.status_code == 302
    assert [a.household.address_line for a in Allocation.objects.order_by("position")] == [
        "1 Church Street",
        "5 Church Street",
    ]
    round_page = client.get(response["Location"]).content.decode()
    assert "0 of 2 households visited" in round_page and "Amina Hassan" in round_page
    assert "Alex" not in round_page  # the planner sees households, never residents


def test_planner_withdraws_a_household_and_a_round(street, client):
    client.force_login(street["planner"])
    client.post(reverse("outreach:allocation_withdraw", args=[street["second"].pk]))
    assert queries.progress(street["round"])[0].allocated == 1
    client.post(reverse("outreach:round_withdraw", args=[street["round"].pk]), {"reason": "Estate decanted"})
    street["round"].refresh_from_db()
    assert street["round"].status == "Withdrawn"
