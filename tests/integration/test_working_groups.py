"""Working groups: members from several organisations, actions in members' inboxes, the cohort
they watch counted as the Cohorts page counts it, and the escalation log."""

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from octopus.care.models import Task
from octopus.directory.models import Organisation, Team
from octopus.governance.consent import analytics_excluded_person_ids
from octopus.insights import figures
from octopus.working_groups import services
from octopus.working_groups.models import Escalation, WorkingGroup

pytestmark = pytest.mark.django_db


@pytest.fixture
def people(make_user):
    council = Organisation.objects.create(name="Westminster City Council", heart="local_authority")
    housing = Team.objects.create(organisation=council, name="Housing Options", tier="tailored")
    charity = Organisation.objects.create(name="St Mungo's", heart="vcse")
    outreach = Team.objects.create(organisation=charity, name="Street Outreach", tier="hyper_local")
    return {
        "chair": make_user("int_manager", username="chair", first_name="Priya", last_name="Shah"),
        "housing": make_user("social_worker", team=housing, username="housing", first_name="Tom", last_name="Reid"),
        "vcse": make_user("vcse_worker", team=outreach, username="mungos", first_name="Ada", last_name="Lowe"),
        "outsider": make_user("clinician", username="outsider"),
    }


def _group(people, **extra):
    values = {"name": "Homelessness", "topic": "homelessness", "aims": "Nobody discharged to the street"} | extra
    return services.create_group(people["chair"], **values)


def test_group_has_members_from_several_organisations(people):
    group = _group(people)
    services.add_member(group, people["chair"], people["housing"])
    services.add_member(group, people["housing"], people["vcse"])
    organisations = set(group.members.values_list("organisation__name", flat=True))
    assert organisations == {"Test Organisation", "Westminster City Council", "St Mungo's"}
    assert group.members.get(user=people["chair"]).chair


def test_setting_up_needs_run_meetings_and_names_problems(people):
    with pytest.raises(PermissionDenied):
        services.create_group(people["vcse"], name="Employment", topic="employment", aims="Jobs")
    with pytest.raises(ValidationError) as problem:
        services.create_group(people["chair"], name="", topic="astrology", aims="", watched_cohort="no_such_cohort")
    assert set(problem.value.message_dict) == {"name", "topic", "aims", "watched_cohort"}
    assert not WorkingGroup.objects.exists()


def test_action_lands_in_the_owner_inbox_and_is_done_with_the_task(client, people):
    group = _group(people)
    services.add_member(group, people["chair"], people["housing"])
    action = services.add_action(
        group,
        people["chair"],
        text="Map hostel beds free each night",
        owner=people["housing"],
        due=dt.date(2027, 1, 15),
    )
    task = Task.objects.get(owner=people["housing"])
    assert task == action.task and task.title == "Homelessness: Map hostel beds free each night"
    assert task.due == dt.date(2027, 1, 15) and task.link == reverse("working_groups:group", args=[group.pk])
    client.force_login(people["housing"])
    assert "Map hostel beds free each night" in client.get(reverse("care:inbox")).content.decode()
    client.post(reverse("care:task_done", args=[task.pk]))
    page = client.get(reverse("working_groups:group", args=[group.pk])).content.decode()
    assert "<td>Done</td>" in page


def test_action_owner_must_be_a_member_and_only_members_add_actions(people):
    group = _group(people)
    with pytest.raises(ValidationError, match="member of the group"):
        services.add_action(
            group, people["chair"], text="Call the hostel", owner=people["vcse"], due=dt.date(2027, 1, 1)
        )
    with pytest.raises(PermissionDenied):
        services.add_action(group, people["outsider"], text="Call", owner=people["chair"], due=dt.date(2027, 1, 1))
    assert not Task.objects.exists()


def test_escalation_goes_groundwork_framework_strategic_and_no_further(people):
    group = _group(people)
    first = services.escalate(group, people["chair"], issue="No step-down beds for people leaving hospital")
    second = services.escalate(group, people["chair"], escalated_from=first)
    third = services.escalate(group, people["chair"], escalated_from=second)
    assert [e.level for e in (first, second, third)] == ["groundwork", "framework", "strategic"]
    assert not Escalation.objects.get(pk=first.pk).is_open and third.is_open
    with pytest.raises(ValidationError, match="already at the strategic level"):
        services.escalate(group, people["chair"], escalated_from=third)
    services.respond(third, people["chair"], "ICB funds 10 step-down beds from April")
    assert not Escalation.objects.get(pk=third.pk).is_open
    with pytest.raises(ValidationError):
        services.respond(third, people["chair"], "Again")


def test_watched_cohort_is_counted_as_the_cohorts_page_counts_it(client, people, tmp_path):
    from octopus.insights.testing import write_snapshot

    snapshot = write_snapshot(tmp_path / "snapshot")
    group = _group(people, watched_cohort="welc_target")
    expected = next(
        c for c in figures.cohorts(tmp_path / "snapshot", analytics_excluded_person_ids()) if c["name"] == "welc_target"
    )
    assert expected["size"] is not None
    client.force_login(people["vcse"])
    page = client.get(reverse("working_groups:group", args=[group.pk])).content.decode()
    assert f"{expected['size']:,}" in page and expected["title"] in page
    assert snapshot.as_of.strftime("%-d %B %Y") in page


def test_pages_set_up_a_group_add_an_action_and_log_an_issue(client, people):
    client.force_login(people["chair"])
    response = client.post(
        reverse("working_groups:index"),
        {"name": "Digital inclusion", "topic": "digital_exclusion", "aims": "Everyone can use the NHS App"},
    )
    group = WorkingGroup.objects.get(name="Digital inclusion")
    assert response.status_code == 302
    url = reverse("working_groups:group", args=[group.pk])
    client.post(url, {"action": "member", "user": people["vcse"].pk})
    client.post(
        url,
        {
            "action": "action",
            "text": "Run tablet lending at the library",
            "owner": people["vcse"].pk,
            "due": "2027-02-01",
        },
    )
    client.post(url, {"action": "escalate", "issue": "No wifi in temporary accommodation"})
    page = client.get(url).content.decode()
    assert (
        "Run tablet lending at the library" in page
        and "Ada Lowe" in page
        and "No wifi in temporary accommodation" in page
    )
    assert Task.objects.filter(owner=people["vcse"]).count() == 1
    refused = client.post(url, {"action": "action", "text": "x", "owner": people["vcse"].pk, "due": "not a date"})
    assert refused.status_code == 200 and "Give the action a due date." in refused.content.decode()


def test_a_non_member_cannot_change_the_group_from_the_page(client, people):
    group = _group(people)
    client.force_login(people["outsider"])
    response = client.post(
        reverse("working_groups:group", args=[group.pk]), {"action": "escalate", "issue": "Tampered"}
    )
    assert response.status_code == 403 and not Escalation.objects.exists()
