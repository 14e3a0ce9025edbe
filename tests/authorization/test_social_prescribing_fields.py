"""Field scopes for social prescribing (social_prescribing/fields.py): a colleague with a
relationship to the resident sees that they have a link worker, never why, what matters to
them, their goals, introductions or wellbeing scores; the link worker's team sees all of it.
Checked on the presenter, the resident page and the caseload page."""

import pytest
from django.urls import reverse

from octopus.social_prescribing import fields, services
from tests.social_prescribing_factories import link_worker_world

pytestmark = pytest.mark.django_db

SECRET_WHAT_MATTERS = "Getting back to the allotment after the bereavement"
SECRET_GOAL = "Go to the lunch club for widows"


@pytest.fixture
def world(make_user):
    world = link_worker_world(make_user)
    prescription = services.start(
        world["resident"],
        world["link_worker"],
        team=world["sp_team"],
        source="gp",
        reason_codes=["low_mood"],
        what_matters=SECRET_WHAT_MATTERS,
    )
    services.add_goal(prescription, world["link_worker"], SECRET_GOAL)
    services.record_score(
        prescription,
        world["link_worker"],
        instrument="ons4",
        occasion="start",
        answers={"life_satisfaction": 2, "worthwhile": 3, "happiness": 1, "anxiety": 9},
    )
    return world | {"prescription": prescription}


def test_every_field_has_a_scope_and_the_scopes_nest():
    assert set(fields.FIELDS.values()) <= set(fields.ORDER)
    assert {"what_matters", "reasons", "source", "goals", "introductions", "scores"} <= {
        name for name, scope in fields.FIELDS.items() if scope == fields.LINK_WORKER
    }


def test_presenter_holds_only_the_fields_of_the_scope(world):
    prescription = world["prescription"]
    assert fields.scope_for(world["gp"], prescription) == fields.ON_CASELOAD
    assert fields.scope_for(world["colleague"], prescription) == fields.LINK_WORKER
    outside = fields.present(prescription, fields.ON_CASELOAD)
    assert outside.team == "Social Prescribing Team" and outside.link_worker == "Lena Ward"
    for withheld in ("what_matters", "reasons", "source", "goals", "introductions", "scores"):
        with pytest.raises(AttributeError):
            getattr(outside, withheld)
    inside = fields.present(prescription, fields.LINK_WORKER)
    assert inside.what_matters == SECRET_WHAT_MATTERS and len(inside.scores) == 1


def test_gp_with_a_relationship_sees_the_link_worker_not_the_detail(client, world):
    client.force_login(world["gp"])
    page = client.get(reverse("social_prescribing:resident", args=[world["resident"].person_id])).content.decode()
    assert "Social Prescribing Team" in page and "Lena Ward" in page
    for secret in (
        SECRET_WHAT_MATTERS,
        SECRET_GOAL,
        "Low mood, stress or anxiety",
        "ONS personal wellbeing",
        "GP or practice team",
    ):
        assert secret not in page
    assert "Start social prescribing" not in page  # not a link worker


def test_link_worker_colleague_sees_all_of_it(client, world):
    client.force_login(world["colleague"])
    page = client.get(reverse("social_prescribing:resident", args=[world["resident"].person_id])).content.decode()
    for shown in (SECRET_WHAT_MATTERS, SECRET_GOAL, "Low mood, stress or anxiety", "ONS personal wellbeing"):
        assert shown in page


def test_caseload_shows_only_the_team_own_residents(client, world, make_user):
    client.force_login(world["gp"])
    assert "Maria Santos" not in client.get(reverse("social_prescribing:caseload")).content.decode()
    client.force_login(world["colleague"])
    assert "Maria Santos" in client.get(reverse("social_prescribing:caseload")).content.decode()


def test_without_a_relationship_the_page_is_refused_and_a_post_changes_nothing(client, world, make_user):
    stranger = make_user("social_prescriber", username="stranger")
    client.force_login(stranger)
    url = reverse("social_prescribing:resident", args=[world["resident"].person_id])
    assert client.get(url).status_code == 403
    response = client.post(url, {"action": "goal", "prescription": world["prescription"].pk, "text": "Tampered"})
    assert response.status_code == 403
    assert list(world["prescription"].goals.values_list("text", flat=True)) == [SECRET_GOAL]


def test_a_colleague_with_a_relationship_cannot_post_into_another_team_prescription(client, world):
    client.force_login(world["gp"])
    url = reverse("social_prescribing:resident", args=[world["resident"].person_id])
    assert (
        client.post(url, {"action": "goal", "prescription": world["prescription"].pk, "text": "Tampered"}).status_code
        == 403
    )
    assert world["prescription"].goals.count() == 1


def test_opening_the_page_is_audited_with_the_basis(client, world):
    from octopus.governance.models import AuditEvent

    client.force_login(world["gp"])
    client.get(reverse("social_prescribing:resident", args=[world["resident"].person_id]))
    entry = AuditEvent.objects.filter(user=world["gp"], action="view").latest("pk")
    assert entry.resident_id == world["resident"].person_id and entry.basis
