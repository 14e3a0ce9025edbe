"""The "outreach" relationship: a CHWW sees the outreach fields of the households on their
round while it runs, nothing clinical, and nobody else's households (issue #7)."""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from octopus.governance import access
from octopus.governance.consent import record_contact_preference
from octopus.outreach import relationships, services
from octopus.outreach.models import Allocation, Round
from octopus.residents.factories import make_activity
from octopus.residents.presenters import age
from tests.outreach_factories import church_street
from tests.security.factories import TEST_BASIS, relate  # noqa: F401

# `clock`: outcomes here are reckoned from today (due dates, expiries, rounds, worklist windows).
pytestmark = [pytest.mark.django_db, pytest.mark.clock]


@pytest.fixture
def street(make_user):
    return church_street(make_user)


def test_allocation_gives_only_the_outreach_scope(street):
    chww, older = street["chww"], street["older"]
    assert access.record_scope(chww, older) == access.OUTREACH
    assert access.basis_for(chww, older) is None
    assert access.basis_for(chww, older, scopes=access.EVERY_SCOPE) == relationships.BASIS
    assert not access.may_see_clinical_detail(chww, older)
    assert not access.residents_for(chww).exists()
    assert set(access.residents_for(chww, scopes=frozenset({access.OUTREACH}))) == {
        older,
        street["younger"],
        street["neighbour"],
    }
    assert access.get_resident(chww, older.person_id, scopes=frozenset({access.OUTREACH})) == (
        older,
        relationships.BASIS,
    )
    with pytest.raises(access.LimitedRelationship) as refused:
        access.get_resident(chww, older.person_id)
    assert refused.value.limited_view == "outreach:resident"


@pytest.mark.parametrize("change", ["ended", "not_started", "round_withdrawn", "allocation_withdrawn"])
def test_allocation_gives_no_access_unless_active(street, change):
    chww, older, round_ = street["chww"], street["older"], street["round"]
    today = timezone.localdate()
    if change == "ended":
        Round.objects.filter(pk=round_.pk).update(
            starts_on=today - dt.timedelta(days=40), ends_on=today - dt.timedelta(days=1)
        )
    elif change == "not_started":
        Round.objects.filter(pk=round_.pk).update(
            starts_on=today + dt.timedelta(days=1), ends_on=today + dt.timedelta(days=30)
        )
    elif change == "round_withdrawn":
        services.withdraw_round(round_, street["planner"], "The estate is being decanted")
    else:
        services.withdraw_allocation(street["first"], street["planner"])
    assert access.record_scope(chww, older) is None
    assert not access.residents_for(chww, scopes=access.EVERY_SCOPE).filter(pk=older.pk).exists()


def test_other_chww_sees_nothing_of_the_round(street, make_user, client):
    other = make_user("chww", username="another-chww")
    assert access.record_scope(other, street["older"]) is None
    client.force_login(other)
    assert client.get(reverse("outreach:household", args=[street["first"].pk])).status_code == 404
    assert client.get(reverse("outreach:resident", args=[street["older"].person_id])).status_code == 404


def test_deceased_residents_are_not_reached(street):
    older = street["older"]
    older.date_of_death = timezone.localdate()
    older.save()
    assert access.record_scope(street["chww"], older) is None


def test_losing_the_chww_role_ends_the_relationship(street):
    from octopus.accounts.models import User

    street["chww"].memberships.update(role="social_prescriber")
    chww = User.objects.get(pk=street["chww"].pk)
    assert access.record_scope(chww, street["older"]) is None


def test_break_glass_opens_the_record_over_outreach(street):
    chww, older = street["chww"], street["older"]
    access.request_break_glass(chww, older, "urgent_care", "Collapsed at the door during my visit")
    assert access.record_scope(chww, older) == access.NO_CLINICAL
    assert access.get_resident(chww, older.person_id)[1].startswith("Break glass")


def test_a_relationship_that_opens_the_record_wins(street, relate):  # noqa: F811
    chww, older = street["chww"], street["older"]
    relate(chww, older)
    assert access.record_scope(chww, older) == access.NO_CLINICAL
    assert access.basis_for(chww, older) == TEST_BASIS
    # A page showing only the outreach fields still names the outreach basis.
    outreach_only = frozenset({access.OUTREACH})
    assert access.get_resident(chww, older.person_id, scopes=outreach_only) == (older, relationships.BASIS)
    assert access.basis_for(chww, older, scopes=outreach_only) == relationships.BASIS


def test_household_page_shows_only_the_outreach_fields(street, client):
    older = street["older"]
    make_activity(older, summary="Attended A&E with chest pain")
    client.force_login(street["chww"])
    page = client.get(reverse("outreach:household", args=[street["first"].pk])).content.decode()
    for shown in (
        "Joseph Mensah, " + str(age(older.date_of_birth)),
        "Ama Mensah",
        "12 Church Street",
        "Twi, needs an interpreter",
        "Bowel screening due",
    ):
        assert shown in page, shown
    for hidden in (
        older.nhs_number,
        older.phone,
        older.email,
        "04 March 1950",
        "4 Mar 1950",
        "Heart failure",
        "A&amp;E attendances",
        "chest pain",
        "housebound",
        "Adults with long-term conditions",
        "Rising risk",
        "Rita Okoro",
        "Diabetes care processes",
        "diabetes",
    ):
        assert hidden not in page, hidden


def test_record_page_refuses_and_points_to_the_household_page(street, client):
    older = street["older"]
    client.force_login(street["chww"])
    response = client.get(reverse("residents:record", args=[older.person_id]))
    assert response.status_code == 403
    page = response.content.decode()
    assert "This page is not part of your work with this resident" in page and older.name not in page
    assert reverse("outreach:resident", args=[older.person_id]) in page
    followed = client.get(reverse("outreach:resident", args=[older.person_id]))
    assert followed["Location"] == reverse("outreach:household", args=[street["first"].pk])
    for name in ("residents:timeline", "care:refer", "governance:consent-panel"):
        assert client.get(reverse(name, args=[older.person_id])).status_code == 403, name
    assert client.get(f"/api/residents/{older.person_id}").status_code in (401, 403, 404)


def test_break_glass_page_is_offered_not_skipped_for_outreach_access(street, client):
    client.force_login(street["chww"])
    response = client.get(reverse("governance:break-glass", args=[street["older"].person_id]))
    assert response.status_code == 200


def test_do_not_contact_is_shown_prominently(street, client):
    record_contact_preference(actor=None, resident=street["younger"], do_not_contact=True, note="Only via her GP")
    client.force_login(street["chww"])
    page = client.get(reverse("outreach:household", args=[street["first"].pk])).content.decode()
    assert 'id="do-not-contact"' in page and "Ama Mensah" in page and "Only via her GP" in page
    assert "I have read who asked not to be contacted" in page
    assert reverse("outreach:introduce", args=[street["first"].pk, street["younger"].person_id]) not in page


def test_allocations_belong_to_one_chww_per_round(street, make_user):
    from django.core.exceptions import ValidationError

    other = make_user("chww", username="second-chww")
    with pytest.raises(ValidationError, match="Already allocated"):
        services.allocate(street["round"], street["planner"], worker=other, households=[street["households"][0]])
    services.withdraw_allocation(street["first"], street["planner"])
    moved = services.allocate(street["round"], street["planner"], worker=other, households=[street["households"][0]])
    assert Allocation.objects.active().filter(household=street["households"][0]).get() == moved[0]
    assert access.record_scope(other, street["older"]) == access.OUTREACH
    assert access.record_scope(street["chww"], street["older"]) is None


def test_flu_prompt_is_hidden_under_65_where_it_would_reveal_a_risk_group(street):
    from octopus.outreach.presenters import outreach_residents

    flu = [
        {
            "programme": "flu_vaccination",
            "title": "Flu vaccination",
            "status": "never",
            "label": "None recorded",
            "due": "",
        }
    ]
    older, younger = street["older"], street["younger"]
    for resident in (older, younger):
        resident.prevention_gaps = flu
        resident.save(update_fields=["prevention_gaps"])
    shown = {r.person_id: r.due for r in outreach_residents([older, younger])}
    assert shown == {older.person_id: ["Flu vaccination due"], younger.person_id: []}
