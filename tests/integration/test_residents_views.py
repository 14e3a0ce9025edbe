"""Finding residents and opening the record: only through a legitimate relationship, audited once."""

import pytest
from django.urls import reverse

from octopus.care import services
from octopus.directory.models import Organisation, Team
from octopus.governance.models import AuditEvent
from octopus.residents.factories import make_activity, make_household, make_resident

pytestmark = pytest.mark.django_db


@pytest.fixture
def team():
    organisation = Organisation.objects.create(name="CLCH", heart="health")
    return Team.objects.create(organisation=organisation, name="District Nursing", tier="consistent")


@pytest.fixture
def nurse(make_user, team):
    return make_user("clinician", team=team, username="nurse")


@pytest.fixture
def mine(nurse, team):
    household = make_household(address_line="12 Church Street", postcode="NW8 8EU")
    resident = make_resident(
        given_name="Mary", family_name="Jones", household=household, date_of_birth="1941-03-14", postcode="NW8 8EU"
    )
    make_resident(given_name="John", family_name="Jones", household=household)
    services.open_case(resident, team, nurse, source="search")
    return resident


def count_views(resident_id=""):
    return AuditEvent.objects.filter(action="view", resident_id=resident_id).count()


def test_record_refused_without_relationship(client, make_user, mine):
    client.force_login(make_user("clinician", username="stranger"))
    response = client.get(reverse("residents:record", args=[mine.person_id]))
    assert response.status_code == 403
    assert "Mary" not in response.content.decode()
    assert count_views(mine.person_id) == 0


def test_record_refused_for_unknown_person_id_same_as_unrelated(client, nurse):
    client.force_login(nurse)
    assert client.get(reverse("residents:record", args=["P-NOT-THERE"])).status_code == 403


def test_record_shows_joined_up_sections_and_audits_once(client, nurse, mine):
    make_activity(mine, "ae", days_ago=3, summary="Attended A&E with breathlessness")
    make_activity(mine, "vcse", days_ago=5, source_organisation="One Westminster", summary="Lunch club")
    client.force_login(nurse)
    response = client.get(reverse("residents:record", args=[mine.person_id]))
    assert response.status_code == 200
    body = response.content.decode()
    for text in [
        "Mary Jones",
        "Who is involved",
        "Upcoming contacts",
        "Care plan",
        "Consent and preferences",
        "Timeline",
        "John Jones",
        "Heart failure",
        "IMD decile 2",
        "E87711",
        "One Westminster",
        "Attended A&amp;E with breathlessness",
        "On your team",
    ]:
        assert text in body, text
    events = AuditEvent.objects.filter(action="view", resident_id=mine.person_id)
    assert events.count() == 1
    assert events.get().basis.startswith("On your team")


def test_household_member_without_relationship_is_not_linked(client, nurse, mine):
    client.force_login(nurse)
    body = client.get(reverse("residents:record", args=[mine.person_id])).content.decode()
    john = mine.household.residents.exclude(pk=mine.pk).get()
    assert reverse("residents:record", args=[john.person_id]) not in body


def test_household_member_with_a_relationship_is_linked_and_the_departed_are_not_listed(client, nurse, team, mine):
    john = mine.household.residents.exclude(pk=mine.pk).get()
    services.open_case(john, team, nurse, source="search")
    make_resident(given_name="Edna", family_name="Jones", household=mine.household, date_of_death="2026-01-05")
    client.force_login(nurse)
    body = client.get(reverse("residents:record", args=[mine.person_id])).content.decode()
    assert reverse("residents:record", args=[john.person_id]) in body
    assert "Edna" not in body


def test_timeline_filter_returns_only_chosen_kinds(client, nurse, mine):
    make_activity(mine, "ae", days_ago=3, summary="Attended A&E")
    make_activity(mine, "gp", days_ago=4, source_organisation="Lanark Medical Centre", summary="GP review")
    client.force_login(nurse)
    response = client.get(reverse("residents:timeline", args=[mine.person_id]), {"kind": "gp"}, HTTP_HX_REQUEST="true")
    body = response.content.decode()
    assert "GP review" in body and "Attended A&amp;E" not in body
    assert count_views(mine.person_id) == 1


def test_timeline_pages_link_newer_and_older_events_without_counting_them(client, nurse, mine):
    from octopus.residents.presenters import TIMELINE_PAGE_SIZE

    for n in range(TIMELINE_PAGE_SIZE + 3):
        make_activity(mine, "gp", days_ago=n + 1, summary=f"GP review {n}")
    client.force_login(nurse)
    url = reverse("residents:timeline", args=[mine.person_id])

    def page(number):
        body = client.get(url, {"page": number}, HTTP_HX_REQUEST="true").content.decode()
        shown = [n for n in range(TIMELINE_PAGE_SIZE + 3) if f"GP review {n}<" in body]
        return shown, "Newer events" in body, "Older events" in body

    assert page(1) == (list(range(TIMELINE_PAGE_SIZE)), False, True)
    assert page(2) == ([TIMELINE_PAGE_SIZE, TIMELINE_PAGE_SIZE + 1, TIMELINE_PAGE_SIZE + 2], True, False)
    # A stale or mistyped link shows the newest events, never an empty timeline.
    assert page(9) == page("x") == page(1)


def test_vcse_worker_sees_contacts_but_not_clinical_detail(client, make_user, mine, nurse):
    vcse_org = Organisation.objects.create(name="Citizens Advice", heart="vcse")
    vcse_team = Team.objects.create(organisation=vcse_org, name="Debt advice", tier="tailored")
    fred = make_user("vcse_worker", team=vcse_team, username="fred")
    services.send_referral(
        mine,
        nurse,
        to_team=vcse_team,
        reason="Debt",
        urgency="routine",
        shared_information="Rent arrears",
        resident_agreed=True,
        preferred_contact="phone",
    )
    make_activity(mine, "ae", days_ago=3, summary="Attended A&E with chest pain")
    client.force_login(fred)
    body = client.get(reverse("residents:record", args=[mine.person_id])).content.decode()
    assert "Mary Jones" in body
    assert "chest pain" not in body and "Heart failure" not in body
    assert "Rent arrears" in body


def test_search_finds_only_related_residents(client, nurse, mine):
    make_resident(given_name="Mary", family_name="Jonesworth")  # not related to the nurse
    client.force_login(nurse)
    body = client.get(reverse("residents:search"), {"q": "mary jones"}).content.decode()
    assert "Mary Jones" in body and "Jonesworth" not in body
    assert AuditEvent.objects.filter(action="search").count() == 1


@pytest.mark.parametrize("query", ["NHS", "DOB", "14/03/1941", "NW8 8EU", "nw88eu", "NW8"])
def test_search_by_nhs_number_date_of_birth_and_postcode(client, nurse, mine, query):
    query = {"NHS": mine.nhs_number, "DOB": "1941-03-14"}.get(query, query)
    client.force_login(nurse)
    body = client.get(reverse("residents:search"), {"q": query}).content.decode()
    assert "Mary Jones" in body


def test_search_without_query_shows_no_residents_and_is_not_audited(client, nurse, mine):
    client.force_login(nurse)
    body = client.get(reverse("residents:search")).content.decode()
    assert "Mary Jones" not in body
    assert AuditEvent.objects.filter(action="search").count() == 0


def test_search_refused_without_capability(client, make_user):
    client.force_login(make_user("analyst"))
    assert client.get(reverse("residents:search")).status_code == 403


def test_referral_relationship_lasts_while_open_and_recently_closed(make_user, mine, nurse):
    import datetime as dt

    from django.utils import timezone

    from octopus.care.models import Referral
    from octopus.governance import access

    vcse_org = Organisation.objects.create(name="Age UK", heart="vcse")
    vcse_team = Team.objects.create(organisation=vcse_org, name="Befriending", tier="tailored")
    worker = make_user("vcse_worker", team=vcse_team, username="befriender")
    referral = services.send_referral(
        mine,
        nurse,
        to_team=vcse_team,
        reason="Lonely",
        urgency="routine",
        shared_information="Lives alone",
        resident_agreed=True,
        preferred_contact="phone",
    )
    assert access.residents_for(worker).filter(pk=mine.pk).exists()
    services.close(referral, nurse, "Resident changed their mind")
    worker = type(worker).objects.get(pk=worker.pk)
    assert access.residents_for(worker).filter(pk=mine.pk).exists()
    Referral.objects.filter(pk=referral.pk).update(closed_at=timezone.now() - dt.timedelta(days=31))
    assert not access.residents_for(worker).filter(pk=mine.pk).exists()


def test_record_shows_open_prevention_gaps_to_clinicians(client, nurse, mine):
    mine.prevention_gaps = [
        {
            "programme": "bowel_screening",
            "title": "Bowel cancer screening",
            "status": "overdue",
            "label": "Overdue",
            "due": "every 2 years (home FIT kit)",
        }
    ]
    mine.save(update_fields=["prevention_gaps"])
    client.force_login(nurse)
    body = client.get(reverse("residents:record", args=[mine.person_id])).content.decode()
    assert 'id="prevention"' in body
    assert "Bowel cancer screening" in body
    assert "Overdue" in body and "every 2 years (home FIT kit)" in body
