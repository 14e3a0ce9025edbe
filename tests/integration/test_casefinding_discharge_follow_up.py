"""Discharge follow-up calls started in bulk from the "discharged in the last 14 days" list: one
task per resident in the chosen person's inbox, due 72 hours after the discharge, refused with
the reason where there is no discharge, no relationship or an objection, never twice for the
same discharge, and shown on the list as open or done."""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from octopus.care import services as care
from octopus.care.models import Task, TaskSource
from octopus.casefinding import lists, presenters, services
from octopus.casefinding.models import DischargeFollowUp, ListDecision
from octopus.governance import access, consent
from octopus.governance.models import AuditEvent
from octopus.residents.models import ActivityEvent, ActivityKind
from tests.casefinding_factories import pcn_world, registered, user_in

pytestmark = [pytest.mark.django_db, pytest.mark.clock]
DISCHARGED = "Discharged in the last 14 days"
LIST = "discharged_last_14_days"
AS_OF = dt.date(2026, 12, 1)


@pytest.fixture
def world(time_machine):
    time_machine.move_to(timezone.make_aware(dt.datetime(2026, 12, 2, 10, 0)), tick=False)
    return pcn_world()


def discharged(practice, days_before: int = 2, key: str = "1", **fields):
    """A resident on the list, with the hospital spell the publish step would have written."""
    resident = registered(practice, cohorts=[DISCHARGED], phone="020 7946 0100", snapshot_as_of=AS_OF, **fields)
    left = AS_OF - dt.timedelta(days=days_before)
    ActivityEvent.objects.create(
        resident=resident,
        occurred_on=left - dt.timedelta(days=4),
        kind=ActivityKind.ADMISSION,
        source_organisation="St Mary's Hospital",
        summary="Emergency admission (4 nights)",
        detail={"discharge_date": left.isoformat()},
        source_feed="apc_spells",
        source_key=f"RYJ:{resident.pk}-{key}",
    )
    return resident


def start(world, residents, owner=None):
    return services.start_discharge_follow_ups(
        lists.get_list(LIST), residents, world["coordinator"], owner=owner or world["coordinator"], path="/test/"
    )


def test_one_task_per_resident_in_the_owners_inbox_due_72_hours_after_discharge(world):
    first = discharged(world["lisson"], days_before=2)
    second = discharged(world["church"], days_before=10)
    result = start(world, [first, second])
    assert result.done == [first, second] and not result.refused
    tasks = {t.resident_id: t for t in Task.objects.filter(source=TaskSource.DISCHARGE)}
    assert {t.owner for t in tasks.values()} == {world["coordinator"]}
    assert tasks[first.pk].due == AS_OF - dt.timedelta(days=2) + dt.timedelta(days=3)
    assert tasks[second.pk].due == AS_OF - dt.timedelta(days=10) + dt.timedelta(days=3)
    assert "call" in tasks[first.pk].title and "St Mary's Hospital" in tasks[first.pk].title
    follow_up = DischargeFollowUp.objects.get(resident=first)
    assert follow_up.task == tasks[first.pk] and follow_up.discharged_on == AS_OF - dt.timedelta(days=2)
    decision = ListDecision.objects.get(resident=second, list_name=LIST)
    assert decision.outcome == "follow_up" and "already past" in decision.detail  # due before today: call today


def test_starting_twice_does_not_add_a_second_open_task(world):
    resident = discharged(world["lisson"])
    assert start(world, [resident]).done == [resident]
    again = start(world, [resident])
    assert again.done == [] and "already open with Grace Mensah" in again.refused[0].reason
    assert Task.objects.filter(resident=resident, source=TaskSource.DISCHARGE).count() == 1


def test_done_follow_up_is_not_started_again_but_a_cancelled_one_is(world):
    done = discharged(world["lisson"])
    cancelled = discharged(world["church"])
    start(world, [done, cancelled])
    care.complete_task(Task.objects.get(resident=done), world["coordinator"])
    Task.objects.filter(resident=cancelled).update(cancelled_at=timezone.now())
    again = start(world, [done, cancelled])
    assert again.done == [cancelled]
    assert "was done on 2 December 2026" in again.refused[0].reason
    row = DischargeFollowUp.objects.get(resident=cancelled)
    assert row.task.is_open and Task.objects.filter(resident=cancelled).count() == 2


def test_a_new_discharge_gets_its_own_follow_up(world):
    resident = discharged(world["lisson"], days_before=12, key="a")
    start(world, [resident])
    ActivityEvent.objects.create(
        resident=resident,
        occurred_on=AS_OF - dt.timedelta(days=3),
        kind=ActivityKind.ADMISSION,
        source_organisation="St Mary's Hospital",
        summary="Emergency admission (2 nights)",
        detail={"discharge_date": (AS_OF - dt.timedelta(days=1)).isoformat()},
        source_feed="apc_spells",
        source_key="RYJ:readmitted",
    )
    assert start(world, [resident]).done == [resident]
    assert DischargeFollowUp.objects.filter(resident=resident).count() == 2


def test_refused_with_the_reason_and_nothing_written(world):
    no_discharge = registered(
        world["lisson"], given_name="Nodischarge", cohorts=[DISCHARGED], phone="020 7946 0101", snapshot_as_of=AS_OF
    )
    old = discharged(world["lisson"], days_before=20, given_name="Old")
    objector = discharged(world["lisson"], given_name="Objector")
    consent.record_objection(actor=None, resident=objector, kind="national_data_opt_out")
    quiet = discharged(world["lisson"], given_name="Quiet")
    consent.record_contact_preference(actor=None, resident=quiet, do_not_contact=True, note="")
    elsewhere = discharged(world["pimlico"], given_name="Elsewhere")
    result = start(world, [no_discharge, old, objector, quiet, elsewhere])
    reasons = {r.resident.given_name: r.reason for r in result.refused}
    assert result.done == []
    assert reasons["Nodischarge"].startswith("No discharge from hospital in the 14 days to 1 December 2026")
    assert reasons["Old"].startswith("No discharge from hospital")
    assert "opted out" in reasons["Objector"]
    assert reasons["Quiet"] == "The resident asked not to be contacted."
    assert reasons["Elsewhere"] == "You have no legitimate relationship with this resident any more."
    assert not Task.objects.filter(source=TaskSource.DISCHARGE).exists() and not DischargeFollowUp.objects.exists()
    assert not ListDecision.objects.exists()


def test_refused_when_the_owner_could_not_open_the_record(world):
    from octopus.directory.models import Organisation, Team

    team = Team.objects.create(
        organisation=Organisation.objects.create(name="Elsewhere Trust", heart="health"),
        name="Elsewhere",
        tier="consistent",
    )
    stranger = user_in(team, "clinician", "stranger", first_name="Sam", last_name="Stranger")
    resident = discharged(world["lisson"])
    result = start(world, [resident], owner=stranger)
    assert (
        result.refused[0].reason
        == f"Sam Stranger has no relationship with {resident.name} that opens their record, so could not make the call."
    )


def test_only_from_the_discharge_list(world):
    from django.core.exceptions import ValidationError

    resident = discharged(world["lisson"])
    with pytest.raises(ValidationError, match="list of recent discharges"):
        services.start_discharge_follow_ups(
            lists.get_list("rising-risk"), [resident], world["coordinator"], owner=world["coordinator"]
        )


def test_list_shows_the_follow_up_open_then_done(world):
    resident = discharged(world["lisson"])
    case_list = lists.get_list(LIST)
    start(world, [resident])
    visible = access.residents_for(world["coordinator"])
    today = timezone.localdate()
    [row] = presenters.rows(case_list, lists.rows(visible, case_list, lists.Filters(), today), today)
    assert row.status == lists.ACTED
    assert row.follow_up == "Follow-up call open with Grace Mensah, due 2 Dec 2026 (discharged 29 Nov 2026)"
    care.complete_task(Task.objects.get(resident=resident), world["coordinator"])
    [row] = presenters.rows(case_list, lists.rows(visible, case_list, lists.Filters(), today), today)
    assert row.follow_up.startswith("Follow-up call done 2 Dec 2026 by Grace Mensah")


def test_view_starts_follow_ups_and_audits_each_resident(client, world):
    chosen = [discharged(world["lisson"]), discharged(world["church"])]
    client.force_login(world["coordinator"])
    page = client.get(reverse("casefinding:list", args=[LIST])).content.decode()
    assert "Start follow-up calls" in page and reverse("casefinding:discharge_follow_up", args=[LIST]) in page
    before = AuditEvent.objects.order_by("-id").values_list("id", flat=True).first()
    response = client.post(
        reverse("casefinding:discharge_follow_up", args=[LIST]),
        {"person_id": [r.person_id for r in chosen], "follow_up-owner": world["coordinator"].pk},
    )
    body = response.content.decode()
    assert response.status_code == 200 and "Discharge follow-up call started" in body and "Not done" not in body
    decisions = AuditEvent.objects.filter(id__gt=before, object_type="ListDecision")
    assert sorted(e.resident_id for e in decisions) == sorted(r.person_id for r in chosen)
    assert all(e.basis and e.path and e.username == "pcn-coordinator" for e in decisions)
    tasks = AuditEvent.objects.filter(id__gt=before, object_type="Task")
    assert sorted(e.resident_id for e in tasks) == sorted(r.person_id for r in chosen)
    listed = client.get(reverse("casefinding:list", args=[LIST])).content.decode()
    assert listed.count("Follow-up call open with Grace Mensah") == 2


def test_view_without_residents_or_owner_shows_the_errors_on_the_list(client, world):
    discharged(world["lisson"])
    client.force_login(world["coordinator"])
    response = client.post(
        reverse("casefinding:discharge_follow_up", args=[LIST]), {"follow_up-owner": world["coordinator"].pk}
    )
    assert response.status_code == 200 and "Choose at least one resident" in response.content.decode()


def test_view_redirects_a_get_and_is_only_for_discharge_lists(client, world):
    client.force_login(world["coordinator"])
    response = client.get(reverse("casefinding:discharge_follow_up", args=[LIST]) + "?band=high")
    assert (
        response.status_code == 302 and response["Location"] == reverse("casefinding:list", args=[LIST]) + "?band=high"
    )
    assert client.post(reverse("casefinding:discharge_follow_up", args=["clinically_vulnerable"])).status_code == 404
    assert (
        "Start follow-up calls"
        not in client.get(reverse("casefinding:list", args=["clinically_vulnerable"])).content.decode()
    )
