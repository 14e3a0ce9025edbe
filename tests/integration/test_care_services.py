"""Care services: the referral state machine, optimistic concurrency, tiers, check-ins, death."""

import datetime as dt
import threading

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from octopus.care import services
from octopus.care.models import Case, CheckIn, Referral, ReferralEvent, Task
from octopus.directory.models import Organisation, Team
from octopus.governance.models import AuditEvent
from octopus.residents.factories import make_resident
from octopus.residents.models import ActivityEvent

# `clock`: outcomes here are reckoned from today (due dates, expiries, rounds, worklist windows).
pytestmark = [pytest.mark.django_db, pytest.mark.clock]


@pytest.fixture
def setup(make_user):
    nhs = Organisation.objects.create(name="CLCH", heart="health")
    vcse = Organisation.objects.create(name="Citizens Advice", heart="vcse")
    council = Organisation.objects.create(name="Westminster City Council", heart="local_authority")
    dn = Team.objects.create(organisation=nhs, name="District Nursing", tier="consistent")
    debt = Team.objects.create(organisation=vcse, name="Debt advice", tier="tailored")
    housing = Team.objects.create(organisation=council, name="Housing", tier="tailored")
    inc = Team.objects.create(organisation=nhs, name="INC", tier="consistent", never_declines=True)
    nurse = make_user("clinician", team=dn, username="nurse")
    adviser = make_user("vcse_worker", team=debt, username="adviser")
    officer = make_user("social_worker", team=housing, username="officer")
    resident = make_resident()
    return locals()


def refer(setup, team_key="debt", **overrides):
    fields = dict(
        to_team=setup[team_key],
        reason="Rent arrears",
        urgency="soon",
        shared_information="Behind on rent",
        resident_agreed=True,
        preferred_contact="phone",
    )
    fields.update(overrides)
    return services.send_referral(setup["resident"], setup["nurse"], **fields)


def test_referral_walks_the_happy_path_with_history(setup):
    referral = refer(setup)
    assert referral.status == "sent"
    assert referral.due_at - referral.sent_at == dt.timedelta(days=3)
    services.accept(referral, setup["adviser"], "Taking it")
    services.record_first_contact(referral, setup["adviser"], "Spoke by phone")
    services.complete(referral, setup["adviser"], "Debt plan in place")
    referral.refresh_from_db()
    assert referral.status == "completed" and referral.closed_at is not None
    assert list(ReferralEvent.objects.filter(referral=referral).values_list("to_status", flat=True)) == [
        "sent",
        "accepted",
        "first_contact",
        "completed",
    ]
    assert ActivityEvent.objects.filter(
        resident=setup["resident"], kind="octopus", source_organisation="Citizens Advice"
    ).exists()


@pytest.mark.parametrize("step", ["first_contact", "complete"])
def test_referral_cannot_skip_acceptance(setup, step):
    referral = refer(setup)
    action = {"first_contact": services.record_first_contact, "complete": services.complete}[step]
    with pytest.raises(services.TransitionError):
        action(referral, setup["adviser"])


def test_declined_referral_is_final_and_needs_a_reason(setup):
    referral = refer(setup)
    with pytest.raises(ValidationError):
        services.decline(referral, setup["adviser"], "  ")
    services.decline(referral, setup["adviser"], "We do not cover this borough")
    with pytest.raises(services.TransitionError):
        services.accept(referral, setup["adviser"])


def test_never_declines_team_can_redirect_but_not_decline(setup):
    referral = refer(setup, "inc")
    with pytest.raises(services.TransitionError, match="never declines"):
        services.decline(referral, setup["nurse"], "No")
    onward = services.redirect(referral, setup["nurse"], to_team=setup["housing"], note="Housing first")
    referral.refresh_from_db()
    assert referral.status == "redirected" and referral.redirected_to == onward
    assert onward.to_team == setup["housing"] and onward.status == "sent" and onward.sender == setup["nurse"]


def test_a_second_open_request_to_the_same_team_is_refused_unless_sent_anyway(setup):
    first = refer(setup)
    with pytest.raises(ValidationError) as error:
        refer(setup)
    message = error.value.message_dict["send_anyway"][0]
    assert "Debt advice (Citizens Advice) already has an open referral" in message and "nurse" in message
    assert refer(setup, to_team=setup["housing"]).status == "sent"  # another team: no warning
    second = refer(setup, send_anyway=True)
    assert second.pk != first.pk
    services.close(first, setup["nurse"], "Withdrawn")
    services.close(second, setup["nurse"], "Withdrawn")
    assert refer(setup).status == "sent"  # nothing open any more: no warning


def test_sender_is_told_in_their_inbox_when_a_request_is_accepted_declined_or_passed_on(setup):
    accepted, declined = refer(setup), refer(setup, to_team=setup["housing"])
    services.accept(accepted, setup["adviser"])
    services.decline(declined, setup["officer"], "Not housing related")
    passed = refer(setup, "inc")
    services.redirect(
        passed, setup["nurse"], to_team=setup["dn"], note="District nursing first"
    )  # the sender's own act: no task
    titles = sorted(Task.objects.filter(owner=setup["nurse"], source="referral").values_list("title", flat=True))
    name = setup["resident"].name
    assert titles == [f"adviser accepted your referral of {name}", f"officer declined your referral of {name}"]
    task = Task.objects.get(title=f"adviser accepted your referral of {name}")
    assert task.link == reverse("care:referral", args=[accepted.pk])
    assert task.resident == setup["resident"] and task.due == timezone.localdate()


def test_actions_for_respect_roles(setup):
    referral = refer(setup)
    assert services.actions_for(referral, setup["adviser"]) == ["accept", "redirect", "decline", "close"]
    assert services.actions_for(referral, setup["nurse"]) == ["close"]
    assert services.actions_for(referral, setup["officer"]) == []


def test_send_referral_requires_consent_and_contact_route(setup):
    with pytest.raises(ValidationError) as error:
        refer(setup, resident_agreed=False, preferred_contact="")
    assert set(error.value.error_dict) == {"resident_agreed", "preferred_contact"}


def test_responsiveness_is_computed_from_referrals(setup):
    now = timezone.now()
    for days_to_contact in (1, 2, 4):
        referral = refer(setup, send_anyway=True)  # three requests to one team, on purpose
        services.accept(referral, setup["adviser"])
        services.record_first_contact(referral, setup["adviser"])
        Referral.objects.filter(pk=referral.pk).update(
            sent_at=now - dt.timedelta(days=days_to_contact), first_contact_at=now
        )
    services.decline(refer(setup, send_anyway=True), setup["adviser"], "Out of area")
    refer(setup, send_anyway=True)  # still waiting: no decision yet
    result = services.responsiveness(setup["debt"])
    assert result["referrals"] == 5 and result["decided"] == 4 and result["accepted"] == 3
    assert result["share_accepted"] == pytest.approx(0.75)
    assert result["median_days_to_first_contact"] == pytest.approx(2, abs=0.01)


def test_plan_concurrent_edit_raises_conflict_and_keeps_first_save(setup):
    plan = services.start_plan(setup["resident"], setup["nurse"])
    common = dict(goals=[], needs={}, lead_professional=None, review_date=None)
    services.save_plan(plan, setup["nurse"], expected_version=1, what_matters="Stay at home", **common)
    with pytest.raises(services.PlanConflict) as conflict:
        services.save_plan(plan, setup["adviser"], expected_version=1, what_matters="Go to church", **common)
    assert "nurse" in str(conflict.value) or "version 2" in str(conflict.value)
    plan.refresh_from_db()
    assert plan.what_matters == "Stay at home" and plan.version == 2
    assert list(plan.versions.values_list("version", flat=True)) == [2, 1]
    assert plan.versions.first().change_summary == "Changed what matters to the resident"


@pytest.mark.django_db(transaction=True)
def test_plan_simultaneous_saves_never_both_succeed(setup):
    """Two threads save from the same version; exactly one wins (the check and write are one UPDATE)."""
    from django.db import connection

    if (
        connection.vendor == "sqlite"
        and connection.settings_dict["NAME"] in (":memory:", "")
        or "mode=memory" in str(connection.settings_dict["NAME"])
    ):
        pytest.skip("In-memory SQLite is one connection; the threaded race runs on PostgreSQL.")
    plan = services.start_plan(setup["resident"], setup["nurse"])
    results = []

    def save(text):
        try:
            services.save_plan(
                plan,
                setup["nurse"],
                expected_version=1,
                what_matters=text,
                goals=[],
                needs={},
                lead_professional=None,
                review_date=None,
            )
            results.append("saved")
        except services.PlanConflict:
            results.append("conflict")
        finally:
            connection.close()

    threads = [threading.Thread(target=save, args=(f"edit {n}",)) for n in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(results) == ["conflict", "saved"]


def test_lead_professional_change_gives_task(setup):
    plan = services.start_plan(setup["resident"], setup["nurse"])
    services.save_plan(
        plan,
        setup["nurse"],
        expected_version=1,
        what_matters="",
        goals=["Walk"],
        needs={"housing": "Damp"},
        lead_professional=setup["officer"],
        review_date=dt.date(2027, 1, 1),
    )
    assert Task.objects.filter(owner=setup["officer"], source="care_plan").count() == 1


def test_tier_step_down_is_monitored(setup):
    resident, nurse = setup["resident"], setup["nurse"]
    services.set_tier(resident, "complex", "Discussed at INC", nurse)
    assignment = services.set_tier(resident, "proactive", "Stable after 6 weeks", nurse)
    assert assignment.monitor_until == timezone.localdate() + dt.timedelta(days=90)
    with pytest.raises(ValidationError):
        services.set_tier(resident, "proactive", "again", nurse)
    with pytest.raises(ValidationError):
        services.set_tier(resident, "complex", "", nurse)
    assert services.current_tier(resident).tier == "proactive"


def test_check_ins_follow_tier_frequency_and_hand_over(setup):
    resident, nurse = setup["resident"], setup["nurse"]
    services.set_tier(resident, "proactive", "Rising risk", nurse)
    first = services.schedule_check_ins(
        resident, organisation=setup["nhs"], first_due=dt.date(2026, 12, 1), count=3, actor=nurse
    )
    assert [c.due_on for c in first] == [dt.date(2026, 12, 1), dt.date(2026, 12, 29), dt.date(2027, 1, 26)]
    services.schedule_check_ins(
        resident, organisation=setup["vcse"], first_due=dt.date(2026, 12, 5), count=2, every_days=14, actor=nurse
    )
    scheduled = CheckIn.objects.filter(resident=resident, status="scheduled")
    assert set(scheduled.values_list("organisation__name", flat=True)) == {"Citizens Advice"}
    assert (
        CheckIn.objects.filter(
            resident=resident, status="cancelled", cancelled_reason="Handed over to Citizens Advice"
        ).count()
        == 3
    )


def test_contacts_by_several_organisations_in_a_week_warn(setup):
    resident, nurse = setup["resident"], setup["nurse"]
    today = timezone.localdate()
    check_in = services.schedule_check_ins(resident, organisation=setup["nhs"], first_due=today, count=1, actor=nurse)[
        0
    ]
    assert services.complete_check_in(check_in, nurse, status="done") == []
    ActivityEvent.objects.create(
        resident=resident,
        occurred_on=today,
        kind="social_care",
        source_organisation="Westminster City Council",
        summary="Welfare call",
    )
    assert services.organisations_contacting(resident, today) == ["CLCH", "Westminster City Council"]
    # A&E attendances are not someone contacting the resident.
    ActivityEvent.objects.create(
        resident=resident, occurred_on=today, kind="ae", source_organisation="Imperial", summary="A&E"
    )
    assert "Imperial" not in services.organisations_contacting(resident, today)


def test_record_death_stops_everything_once(setup):
    resident, nurse = setup["resident"], setup["nurse"]
    services.open_case(resident, setup["dn"], nurse, source="search", holder=nurse)
    plan = services.start_plan(resident, nurse, lead_professional=setup["officer"])
    services.add_action(plan, nurse, description="Visit", owner=nurse, due=dt.date(2026, 12, 1))
    services.schedule_check_ins(
        resident, organisation=setup["nhs"], first_due=dt.date(2026, 12, 1), count=4, actor=nurse
    )
    referral = refer(setup)
    services.create_task(nurse, "Phone the resident", dt.date(2026, 12, 2), resident=resident, source="check_in")

    outcome = services.record_death(resident, dt.date(2026, 11, 20), "Deaths feed", None)

    assert outcome.check_ins_stopped == 4 and outcome.cases_closed == 1 and outcome.referrals_closed == 1
    assert outcome.bereavement_task_for == "officer"
    assert not CheckIn.objects.filter(resident=resident, status="scheduled").exists()
    assert Case.objects.get(resident=resident).outcome == "died"
    referral.refresh_from_db()
    assert referral.status == "closed"
    assert plan.actions.get().status == "cancelled"
    assert Task.objects.get(title="Phone the resident").cancelled_at is not None
    assert services.current_tier(resident) is None
    with pytest.raises(ValidationError):
        services.schedule_check_ins(
            resident, organisation=setup["nhs"], first_due=dt.date(2026, 12, 1), count=1, actor=nurse
        )
    # The feed may deliver the same death again: no second family task.
    services.record_death(resident, dt.date(2026, 11, 20), "Deaths feed", None)
    assert Task.objects.filter(resident=resident, source="bereavement", cancelled_at__isnull=True).count() == 1
    assert AuditEvent.objects.filter(resident_id=resident.person_id, summary__startswith="Death recorded").count() == 2


def test_death_without_lead_professional_goes_to_case_holder(setup):
    resident, nurse = setup["resident"], setup["nurse"]
    services.open_case(resident, setup["dn"], nurse, source="search", holder=nurse)
    assert (
        services.record_death(resident, dt.date(2026, 11, 20), "Told by daughter", nurse).bereavement_task_for
        == "nurse"
    )


def test_open_case_is_idempotent_and_close_needs_outcome(setup):
    resident, nurse = setup["resident"], setup["nurse"]
    case = services.open_case(resident, setup["dn"], nurse, source="search")
    assert services.open_case(resident, setup["dn"], nurse, source="cohort", holder=nurse).pk == case.pk
    with pytest.raises(ValidationError):
        services.close_case(case, nurse, "")
    services.close_case(case, nurse, "goals_met")
    assert Case.objects.get(pk=case.pk).outcome == "goals_met"


def test_create_task_rejects_unknown_source(setup):
    with pytest.raises(ValueError, match="Unknown task source"):
        services.create_task(setup["nurse"], "x", None, source="nonsense")
    task = services.create_task(
        setup["nurse"], "Action from INC", dt.date(2026, 12, 3), source="meeting", link="/meetings/1/"
    )
    assert task.is_open and task.link == "/meetings/1/"


def test_demo_seed_creates_care_records_and_the_sam_to_fred_introduction(demo_directory):
    from octopus import demo
    from octopus.accounts.models import User
    from octopus.care import demo as care_demo
    from octopus.residents.models import Resident

    demo.ensure_demo_users(demo_directory["accounts"])
    for n in range(40):
        make_resident(risk_probability=0.5 - n / 100, rising_risk=n % 3 == 0)
    users = {u.username: u for u in User.objects.all()}
    counts = care_demo.seed(Resident.objects.all(), users)
    assert counts["complex"] == 8 and counts["proactive"] == 16 and counts["referrals"] >= 5
    intro = Referral.objects.get(sender__username="prescriber", to_practitioner__given_name="Fred", status="accepted")
    assert intro.owner.username == "vcse"
    assert care_demo.seed(Resident.objects.all(), users) == {"skipped": "Residents already have care records."}
    assert (
        Referral.objects.filter(
            sender__username="prescriber", to_practitioner__given_name="Fred", status="accepted"
        ).count()
        == 1
    )
