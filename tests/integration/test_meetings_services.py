"""Meetings services: worklist sources with exact reasons, thresholds from configuration, the
consent gate, carry-over, and actions reaching owners' inboxes and care plans."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from octopus.care import services as care
from octopus.care.models import CarePlanAction, Task
from octopus.governance import access
from octopus.governance.consent import record_consent
from octopus.meetings import config, services
from octopus.meetings.models import EntryStatus
from octopus.residents.factories import make_resident
from tests.meetings_factories import make_series, with_limits

# `clock`: outcomes here are reckoned from today (due dates, expiries, rounds, worklist windows).
pytestmark = [pytest.mark.django_db, pytest.mark.clock]


@pytest.fixture
def inc(make_user):
    return make_series(make_user)


def reasons(meeting, resident):
    return meeting.entries.get(resident=resident).reasons


def give_consent(resident, actor=None):
    record_consent(actor=actor, resident=resident, kind="discuss_at_mdt", status="given")


def test_worklist_lists_snapshot_sources_with_exact_reasons(inc):
    ae = make_resident(flags={"ae_attendances": 3})
    ambulance = make_resident(flags={"ambulance_calls": 5, "current_inpatient": True})
    discharged = make_resident(flags={"discharged_last_14_days": True})
    rising = make_resident(rising_risk=True, rising_risk_reason="new heart failure diagnosis")
    make_resident(flags={"ae_attendances": 2})  # below the threshold
    make_resident(flags={"ae_attendances": 9}, practice_ods_code="Y00000")  # outside the neighbourhood
    make_resident(flags={"current_inpatient": True}, date_of_death=dt.date(2026, 1, 1))  # died

    report = services.generate_worklist(inc["meeting"])

    assert report.listed == 4
    assert reasons(inc["meeting"], ae) == ["3 A&E attendances in 12 months"]
    assert reasons(inc["meeting"], ambulance) == ["In hospital now", "5 ambulance calls in 12 months"]
    assert reasons(inc["meeting"], discharged) == ["Discharged from hospital in the last 14 days"]
    assert reasons(inc["meeting"], rising) == ["Rising risk: new heart failure diagnosis"]


def test_worklist_lists_residents_registered_out_of_area(inc):
    away = make_resident(flags={"registered_out_of_area": True})
    make_resident(flags={"registered_out_of_area": False})

    report = services.generate_worklist(inc["meeting"])

    assert report.by_source.get("out_of_area") == 1
    assert reasons(inc["meeting"], away) == ["Registered with a GP practice outside the borough"]


def test_worklist_lists_reviews_due_referrals_and_residents_without_a_gp(inc):
    team, gp = inc["team"], inc["gp"]
    due = make_resident(practice_ods_code="Z99999")
    care.open_case(due, team, gp, source="search", next_review_due=timezone.localdate() - dt.timedelta(days=1))
    referred = make_resident()
    care.send_referral(
        referred,
        gp,
        to_team=team,
        reason="Falls",
        urgency="routine",
        shared_information="Falls",
        resident_agreed=True,
        preferred_contact="phone",
    )
    no_gp = make_resident(registered=False, practice_ods_code="", lsoa_code="E01000001")
    care.open_case(no_gp, team, gp, source="search")

    services.generate_worklist(inc["meeting"])

    yesterday = timezone.localdate() - dt.timedelta(days=1)
    assert reasons(inc["meeting"], due) == [f"Caseload review due: overdue since {yesterday:%-d %b %Y}"]
    assert reasons(inc["meeting"], referred) == [
        f"New referral to the meeting: from Adaeze Okafor on {timezone.now():%-d %b %Y}"
    ]
    assert inc["meeting"].entries.get(resident=referred).referred_at is not None
    assert reasons(inc["meeting"], no_gp) == ["No registered GP"]


def test_worklist_thresholds_come_from_configuration(inc, monkeypatch):
    resident = make_resident(flags={"ae_attendances": 2})
    settings = config.settings()
    lowered = settings.sources["frequent_ae"].model_copy(update={"at_least": 2})
    monkeypatch.setattr(
        config,
        "settings",
        lambda: settings.model_copy(update={"sources": {**settings.sources, "frequent_ae": lowered}}),
    )

    services.generate_worklist(inc["meeting"])

    assert reasons(inc["meeting"], resident) == ["2 A&E attendances in 12 months"]


def test_worklist_limit_lists_the_top_residents_by_figure(inc, monkeypatch):
    with_limits(monkeypatch, frequent_ae=2)
    residents = {n: make_resident(flags={"ae_attendances": n}) for n in (3, 7, 5, 4)}

    report = services.generate_worklist(inc["meeting"])

    assert [e.resident for e in inc["meeting"].entries.order_by("resident_id")] == sorted(
        [residents[7], residents[5]], key=lambda r: r.pk
    )
    assert report.listed == 2
    assert report.not_listed == {"frequent_ae": 2}
    inc["meeting"].refresh_from_db()
    assert inc["meeting"].worklist_not_listed == {"frequent_ae": 2}


def test_worklist_sources_without_a_figure_list_the_highest_risk_first(inc, monkeypatch):
    with_limits(monkeypatch, inpatient=1)
    make_resident(flags={"current_inpatient": True}, risk_probability=0.2)
    riskiest = make_resident(flags={"current_inpatient": True}, risk_probability=0.8)
    make_resident(flags={"current_inpatient": True})  # not yet scored

    services.generate_worklist(inc["meeting"])

    assert [e.resident for e in inc["meeting"].entries.all()] == [riskiest]


def test_worklist_reviews_due_list_the_most_overdue_first(inc, monkeypatch):
    with_limits(monkeypatch, review_due=1)
    today = timezone.localdate()
    for days in (-1, -9, 3):
        care.open_case(
            make_resident(), inc["team"], inc["gp"], source="search", next_review_due=today + dt.timedelta(days=days)
        )

    services.generate_worklist(inc["meeting"])

    assert reasons(inc["meeting"], inc["meeting"].entries.get().resident) == [
        f"Caseload review due: overdue since {today - dt.timedelta(days=9):%-d %b %Y}"
    ]


def test_worklist_resident_listed_by_one_source_shows_every_source_they_match(inc, monkeypatch):
    with_limits(monkeypatch, frequent_ae=1)
    make_resident(flags={"ae_attendances": 9})
    both = make_resident(flags={"ae_attendances": 3, "current_inpatient": True})  # beyond the A&E limit

    report = services.generate_worklist(inc["meeting"])

    assert reasons(inc["meeting"], both) == ["In hospital now", "3 A&E attendances in 12 months"]
    assert report.listed == 2 and report.not_listed == {}


def test_worklist_new_referrals_are_never_limited(inc):
    for _ in range(7):
        care.send_referral(
            make_resident(),
            inc["gp"],
            to_team=inc["team"],
            reason="Falls",
            urgency="routine",
            shared_information="Falls",
            resident_agreed=True,
            preferred_contact="phone",
        )
    assert services.generate_worklist(inc["meeting"]).listed == 7


def test_worklist_regeneration_drops_untriaged_entries_that_fall_beyond_the_limit(inc, monkeypatch):
    with_limits(monkeypatch, frequent_ae=1)
    first = make_resident(flags={"ae_attendances": 4})
    services.generate_worklist(inc["meeting"])
    second = make_resident(flags={"ae_attendances": 8})

    report = services.generate_worklist(inc["meeting"])

    assert [e.resident for e in inc["meeting"].entries.all()] == [second]
    assert report.removed == 1 and report.not_listed == {"frequent_ae": 1}
    assert first.pk


def test_worklist_regeneration_keeps_triage_and_removes_stale_entries(inc):
    kept = make_resident(flags={"current_inpatient": True})
    stale = make_resident(flags={"current_inpatient": True})
    give_consent(kept)
    services.generate_worklist(inc["meeting"])
    services.put_on_agenda(inc["meeting"].entries.get(resident=kept), inc["gp"])
    stale.flags = {}
    stale.save()

    report = services.generate_worklist(inc["meeting"])

    assert report.listed == 1
    assert inc["meeting"].entries.get(resident=kept).status == EntryStatus.AGENDA


def test_agenda_refused_without_a_basis_to_discuss(inc):
    resident = make_resident(flags={"current_inpatient": True})
    services.generate_worklist(inc["meeting"])
    entry = inc["meeting"].entries.get(resident=resident)

    with pytest.raises(services.NoBasisToDiscuss, match="No consent to be discussed is recorded"):
        services.put_on_agenda(entry, inc["gp"])
    entry.refresh_from_db()
    assert entry.status == EntryStatus.LISTED


def test_agenda_refused_when_consent_refused(inc):
    resident = make_resident(flags={"current_inpatient": True})
    record_consent(actor=None, resident=resident, kind="discuss_at_mdt", status="refused")
    services.generate_worklist(inc["meeting"])
    with pytest.raises(services.NoBasisToDiscuss, match="refused consent"):
        services.put_on_agenda(inc["meeting"].entries.get(resident=resident), inc["gp"])


def test_best_interests_decision_needs_rationale_and_decider_then_allows_agenda(inc):
    resident = make_resident(flags={"current_inpatient": True})
    services.generate_worklist(inc["meeting"])
    entry = inc["meeting"].entries.get(resident=resident)
    with pytest.raises(ValidationError) as error:
        services.record_exception(entry, inc["matron"], basis="best_interests", rationale="", decided_by="")
    assert set(error.value.error_dict) == {"rationale", "decided_by"}

    services.record_exception(
        entry,
        inc["matron"],
        basis="best_interests",
        rationale="Advanced dementia; lacks capacity",
        decided_by="Lucia Reyes, community matron",
    )
    services.put_on_agenda(entry, inc["matron"])

    entry.refresh_from_db()
    assert entry.status == EntryStatus.AGENDA
    assert entry.discussion_basis.startswith("Best interests (resident lacks capacity), decided by Lucia Reyes")


def test_harm_to_others_overrides_a_refusal(inc):
    resident = make_resident(flags={"current_inpatient": True})
    services.generate_worklist(inc["meeting"])
    entry = inc["meeting"].entries.get(resident=resident)
    services.record_exception(
        entry, inc["gp"], basis="vital_interests", rationale="Risk to grandchildren at home", decided_by="Dr Okafor"
    )
    services.put_on_agenda(entry, inc["gp"])
    assert entry.status == EntryStatus.AGENDA


def test_carried_over_resident_is_listed_at_the_next_meeting_with_why(inc):
    resident = make_resident(flags={"current_inpatient": True})
    services.generate_worklist(inc["meeting"])
    services.not_this_week(
        inc["meeting"].entries.get(resident=resident), inc["gp"], "Awaiting discharge plan", carry_over=True
    )
    resident.flags = {}
    resident.save()
    following = services.schedule_meeting(inc["series"], None, inc["meeting"].starts_at + dt.timedelta(days=7))

    services.generate_worklist(following)
    services.generate_worklist(following)  # safe to repeat

    entry = following.entries.get(resident=resident)
    assert entry.reasons == [
        f"Carried over from the meeting on {inc['meeting'].starts_at:%-d %b %Y}: Awaiting discharge plan"
    ]
    assert entry.carried_from.meeting == inc["meeting"]
    assert following.location == "Paddington Green Health Centre"  # the rota moves on


def test_not_this_week_needs_a_reason(inc):
    resident = make_resident(flags={"current_inpatient": True})
    services.generate_worklist(inc["meeting"])
    with pytest.raises(ValidationError):
        services.not_this_week(inc["meeting"].entries.get(resident=resident), inc["gp"], " ")


def discussed_entry(inc, **fields):
    resident = make_resident(flags={"current_inpatient": True}, **fields)
    give_consent(resident)
    services.generate_worklist(inc["meeting"])
    entry = inc["meeting"].entries.get(resident=resident)
    services.put_on_agenda(entry, inc["gp"])
    return entry


def test_closing_the_meeting_puts_actions_in_inboxes_and_on_the_care_plan(inc):
    entry = discussed_entry(inc)
    due = timezone.localdate() + dt.timedelta(days=7)
    services.record_discussion(
        entry,
        inc["gp"],
        summary="Falls at home",
        decisions="Step up",
        lead_professional=inc["matron"],
        next_review=due,
        tier="complex",
        tier_reason="Three falls in a month",
    )
    services.add_action(entry, inc["gp"], description="Home visit for falls assessment", owner=inc["matron"], due=due)
    left = discussed_entry(inc)

    result = services.close_meeting(inc["meeting"], inc["gp"])

    assert result.actions_handed_over == 1 and result.carried_over == 1
    task = Task.objects.get(owner=inc["matron"], source="meeting")
    assert (
        task.title.startswith("Home visit for falls assessment") and task.due == due and task.resident == entry.resident
    )
    action = CarePlanAction.objects.get(plan__resident=entry.resident)
    assert (action.owner, action.due) == (inc["matron"], due)
    assert care.current_tier(entry.resident).tier == "complex"
    assert entry.resident.care_plan.lead_professional == inc["matron"]
    left.refresh_from_db()
    assert left.status == EntryStatus.CARRIED_OVER
    with pytest.raises(ValidationError):
        services.add_action(entry, inc["gp"], description="Too late", owner=inc["gp"], due=due)


def test_death_of_a_discussed_resident_gives_a_follow_up_with_relatives(inc):
    entry = discussed_entry(inc)
    services.record_discussion(
        entry, inc["gp"], summary="End of life care", decisions="", lead_professional=inc["matron"]
    )
    care.record_death(entry.resident, timezone.localdate(), "test", None)
    next_meeting = services.schedule_meeting(inc["series"], None, inc["meeting"].starts_at + dt.timedelta(days=7))
    services.close_meeting(inc["meeting"], inc["gp"])
    services.close_meeting(next_meeting, inc["gp"])

    follow_ups = Task.objects.filter(resident=entry.resident, title__startswith="Follow up with the relatives")
    assert follow_ups.count() == 1 and follow_ups.get().owner == inc["matron"]


def test_meeting_relationship_opens_agenda_residents_only_within_the_window(inc, make_user):
    entry = discussed_entry(inc)
    social_worker = make_user("social_worker", username="sw-guest")
    assert access.basis_for(inc["gp"], entry.resident) is None  # not published yet
    services.publish_agenda(inc["meeting"], inc["gp"])
    assert access.basis_for(inc["gp"], entry.resident) == "On the agenda of a meeting you attend"
    assert access.basis_for(social_worker, entry.resident) is None
    services.record_attendance(inc["meeting"], social_worker, inc["gp"])
    assert access.basis_for(social_worker, entry.resident) == "On the agenda of a meeting you attend"
    inc["meeting"].starts_at = timezone.now() - dt.timedelta(days=8)
    inc["meeting"].save()
    assert access.basis_for(inc["gp"], entry.resident) is None


def test_mentions_in_a_thread_create_inbox_tasks(inc):
    resident = make_resident()
    message = services.post_message(resident, inc["gp"], "@matron-test can you visit this week? @nobody")
    assert list(message.mentions.all()) == [inc["matron"]]
    assert Task.objects.get(owner=inc["matron"]).title == f"Adaeze Okafor mentioned you about {resident.name}"


def test_care_home_series_lists_its_residents(make_user):
    inc = make_series(make_user)
    home = services.register_care_home(None, name="Garside", kind="nursing", provider="Sanctuary", beds=40)
    inside, outside = (
        make_resident(flags={"current_inpatient": True}, practice_ods_code="X1"),
        make_resident(flags={"current_inpatient": True}),
    )
    services.place_resident(home, inside, None)
    series = services.create_series(
        None,
        name="Garside MDT",
        kind="care_home_mdt",
        team=inc["team"],
        schedule="Monthly",
        worklist="care_home_mdt",
        care_home=home,
    )
    meeting = services.schedule_meeting(series, None, timezone.now())
    services.generate_worklist(meeting)
    assert [e.resident for e in meeting.entries.all()] == [inside]
    assert outside.pk  # in the neighbourhood but not in the home


def test_six_monthly_review_counts_are_disclosure_controlled(inc):
    from octopus.meetings.presenters import six_monthly_review
    from octopus.residents.factories import make_activity

    entry = discussed_entry(inc)
    make_activity(entry.resident, kind="admission", days_ago=30)
    services.record_attendance(inc["meeting"], inc["gp"], inc["gp"])
    services.record_discussion(entry, inc["gp"], summary="Reviewed", decisions="")
    review = six_monthly_review(inc["series"])
    assert review.residents_discussed is None  # 1 is suppressed
    assert review.before_after["admissions"][0] is None
    assert "Pharmacist" in review.missing_professions


def test_residents_put_off_more_than_the_configured_times_are_flagged(inc):
    from octopus.meetings.presenters import put_off_often

    resident = make_resident(flags={"current_inpatient": True})
    meeting = inc["meeting"]
    for carry_over in (False, True, False):
        services.generate_worklist(meeting)
        assert put_off_often(meeting, [resident.pk]) == {}  # at most twice so far
        services.not_this_week(
            meeting.entries.get(resident=resident), inc["gp"], "Not enough time", carry_over=carry_over
        )
        meeting = services.schedule_meeting(inc["series"], None, meeting.starts_at + dt.timedelta(days=7))

    services.generate_worklist(meeting)

    assert config.settings().carry_over_warning_after == 2
    assert put_off_often(meeting, [resident.pk]) == {resident.pk: 3}
    other_series = make_series_elsewhere(inc)
    assert put_off_often(other_series, [resident.pk]) == {}  # counted per series


def make_series_elsewhere(inc):
    series = services.create_series(
        None,
        name="Another huddle",
        kind="huddle",
        team=inc["team"],
        schedule="Tuesdays",
        worklist="huddle",
        neighbourhood=inc["neighbourhood"],
    )
    return services.schedule_meeting(series, None, timezone.now())
