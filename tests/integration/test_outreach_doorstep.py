"""The doorstep record (decision 0031) and the phone's outbox (decision 0030): a visit sent twice
with the same client key is recorded once; the structured conversation is kept, and answers about
the home go on the household with their history."""

import uuid

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from octopus.outreach import queries, services
from octopus.outreach.models import HouseholdCondition, Visit
from tests.outreach_factories import church_street

pytestmark = [pytest.mark.django_db, pytest.mark.clock]


@pytest.fixture
def street(make_user):
    return church_street(make_user)


def _post(client, allocation, key, **extra):
    data = {"outcome": "spoke", "note": "Damp", "client_key": str(key), "acknowledged": "on", **extra}
    return client.post(reverse("outreach:visit", args=[allocation.pk]), data, HTTP_X_OCTOPUS_OUTBOX="1")


def test_visit_sent_twice_with_one_key_is_recorded_once(client, street):
    client.force_login(street["chww"])
    key = uuid.uuid4()
    first = _post(client, street["first"], key)
    again = _post(client, street["first"], key)
    assert first.status_code == 201 and first.json()["status"] == "recorded"
    assert again.status_code == 200 and again.json()["status"] == "already recorded"
    assert again.json()["visit"] == first.json()["visit"]
    assert Visit.objects.filter(client_key=key).count() == 1 == Visit.objects.count()


def test_visit_key_of_another_household_is_refused(street):
    key = uuid.uuid4()
    services.record_visit(street["first"], street["chww"], outcome="no_answer", client_key=key)
    with pytest.raises(PermissionDenied):
        services.record_visit(street["second"], street["chww"], outcome="no_answer", client_key=key)
    assert Visit.objects.count() == 1


def test_outbox_gets_errors_as_json_and_nothing_is_recorded(client, street):
    client.force_login(street["chww"])
    response = _post(client, street["first"], uuid.uuid4(), outcome="")
    assert response.status_code == 400 and "outcome" in response.json()["errors"]
    assert not Visit.objects.exists()


def test_visit_without_outbox_header_redirects_as_before(client, street):
    client.force_login(street["chww"])
    response = client.post(
        reverse("outreach:visit", args=[street["first"].pk]), {"outcome": "no_answer", "acknowledged": "on"}
    )
    assert response.status_code == 302 and Visit.objects.get().client_key is None


def test_conversation_answers_are_kept_and_home_conditions_have_history(client, street):
    client.force_login(street["chww"])
    _post(
        client,
        street["first"],
        uuid.uuid4(),
        topic_housing=["damp_mould", "heating"],
        topic_isolation=["lonely"],
        consent_to_share="yes",
        consent_to_introduce="no",
    )
    visit = Visit.objects.get()
    assert visit.answers == {"housing": ["damp_mould", "heating"], "isolation": ["lonely"]}
    assert (visit.consent_to_share, visit.consent_to_introduce) == (True, False)
    current = HouseholdCondition.objects.current(street["households"][0])
    assert {c for c, row in current.items() if row.present} == {"damp_mould", "heating"}
    assert len(current) == 5  # every housing condition asked about, present or not

    services.record_visit(
        street["first"],
        street["chww"],
        outcome="spoke",
        asked_about_home=True,
        acknowledged=True,
        answers={"housing": ["heating"]},
    )
    current = HouseholdCondition.objects.current(street["households"][0])
    assert {c for c, row in current.items() if row.present} == {"heating"}
    assert HouseholdCondition.objects.filter(household=street["households"][0], condition="damp_mould").count() == 2


def test_answers_need_a_conversation(street):
    with pytest.raises(ValidationError, match="engaged"):
        services.record_visit(street["first"], street["chww"], outcome="no_answer", answers={"isolation": ["lonely"]})
    with pytest.raises(ValidationError, match="Unknown answer"):
        services.record_visit(
            street["first"], street["chww"], outcome="spoke", acknowledged=True, answers={"isolation": ["bored"]}
        )


def test_open_tasks_bring_gaps_home_and_unanswered_knocks_together(client, street):
    client.force_login(street["chww"])
    services.record_visit(
        street["first"], street["chww"], outcome="spoke", acknowledged=True, answers={"housing": ["damp_mould"]}
    )
    services.record_visit(street["first"], street["chww"], outcome="no_answer", acknowledged=True)
    page = client.get(reverse("outreach:household", args=[street["first"].pk])).content.decode()
    assert "Joseph: Bowel screening due" in page
    assert "Home: damp and mould" in page
    assert "knock again" in page
    assert "Diabetes" not in page  # not a doorstep prompt (outreach.yaml): it would reveal a condition


def test_saving_the_day_on_the_phone_is_audited_as_such(client, street):
    from octopus.governance.models import AuditEvent

    client.force_login(street["chww"])
    client.get(reverse("outreach:household", args=[street["first"].pk]), HTTP_X_OCTOPUS_OFFLINE="save-day")
    assert AuditEvent.objects.filter(summary__startswith="Saved the household on the phone").count() == 2


def test_index_lists_todays_households_for_the_phone(client, street):
    client.force_login(street["chww"])
    page = client.get(reverse("outreach:index")).content.decode()
    assert reverse("outreach:household", args=[street["first"].pk]) in page
    assert reverse("outreach:service_worker") in page
    worker = client.get(reverse("outreach:service_worker"))
    assert worker["Content-Type"].startswith("text/javascript") and b"octopus-outreach-day-" in worker.content


def test_sign_out_clears_the_phone(client, street):
    client.force_login(street["chww"])
    response = client.post(reverse("logout"))
    assert response["Clear-Site-Data"] == '"cache", "storage"'


def test_open_tasks_only_for_residents_shown(street):
    assert queries.open_tasks(street["chww"], street["second"], []) == []


def test_supervision_counts_move_with_visits(client, street, make_user):
    from octopus.outreach import supervision

    before = {r.who: r for r in supervision.figures("chww")}
    assert sum(r.target for r in before.values()) == 2 and sum(r.visited for r in before.values()) == 0
    services.record_visit(
        street["first"],
        street["chww"],
        outcome="spoke",
        acknowledged=True,
        answers={"isolation": ["lonely"], "money": ["debt", "food"]},
    )
    services.record_visit(street["second"], street["chww"], outcome="no_answer")
    rows = supervision.figures("chww")
    assert sum(r.visited for r in rows) == 1 and sum(r.needs for r in rows) == 3 and sum(r.visits for r in rows) == 2
    latest = next(r for r in rows if r.visits)
    assert latest.engaged_share == "50%"
    by_area = supervision.figures("area")
    assert sum(r.target for r in by_area) == 2

    planner = make_user("int_manager", username="supervisor")
    client.force_login(planner)
    page = client.get(reverse("outreach:supervision")).content.decode()
    assert "Amina Hassan" in page and "Needs found" in page and "Joseph" not in page
