"""Social prescribing: starting from a referral, goals, introductions, wellbeing at start and
review, the change per person and per service with disclosure control, and the findings."""

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from octopus.care.models import Referral, ReferralStatus
from octopus.governance.models import AuditEvent
from octopus.social_prescribing import findings, outcomes, services
from octopus.social_prescribing.models import Prescription, WellbeingScore
from tests.security.factories import make_resident
from tests.social_prescribing_factories import link_worker_world

pytestmark = [pytest.mark.django_db, pytest.mark.clock]

ONS4_START = {"life_satisfaction": 3, "worthwhile": 4, "happiness": 2, "anxiety": 8}
ONS4_REVIEW = {"life_satisfaction": 6, "worthwhile": 7, "happiness": 6, "anxiety": 4}


@pytest.fixture
def world(make_user):
    return link_worker_world(make_user)


def _start(world, resident=None, **extra):
    values = {"source": "gp", "reason_codes": ["loneliness", "money"], "what_matters": "Seeing people again"} | extra
    return services.start(resident or world["resident"], world["link_worker"], team=world["sp_team"], **values)


def test_start_puts_the_resident_on_the_link_worker_caseload_with_reason_and_source(world):
    prescription = _start(world)
    assert prescription.case.team == world["sp_team"] and prescription.case.holder == world["link_worker"]
    assert prescription.reasons == ["loneliness", "money"] and prescription.source == "gp"
    assert (
        AuditEvent.objects.filter(
            summary__startswith="Social prescribing started", resident_id=world["resident"].person_id
        ).count()
        == 1
    )


def test_start_refuses_unknown_reason_and_someone_not_a_link_worker(world):
    with pytest.raises(ValidationError, match="Unknown referral reason 'astrology'"):
        _start(world, reason_codes=["astrology"])
    with pytest.raises(PermissionDenied):
        services.start(world["resident"], world["gp"], team=world["sp_team"], source="gp", reason_codes=["money"])
    assert not Prescription.objects.exists()


def test_review_needs_a_start_and_bad_answers_write_nothing(world):
    prescription = _start(world)
    with pytest.raises(ValidationError, match="at the start before"):
        services.record_score(
            prescription, world["link_worker"], instrument="ons4", occasion="review", answers=ONS4_REVIEW
        )
    with pytest.raises(ValidationError, match="anxious"):
        services.record_score(
            prescription,
            world["link_worker"],
            instrument="ons4",
            occasion="start",
            answers=ONS4_START | {"anxiety": 12},
        )
    assert not WellbeingScore.objects.exists()


def test_wemwbs_is_refused_unless_licensed(world, settings):
    prescription = _start(world)
    answers = {
        code: 3
        for code in (
            "optimistic",
            "useful",
            "relaxed",
            "interested_in_people",
            "energy",
            "problems",
            "thinking_clearly",
            "good_about_self",
            "close_to_others",
            "confident",
            "make_up_mind",
            "loved",
            "interested_in_new_things",
            "cheerful",
        )
    }
    settings.OCTOPUS_WEMWBS_LICENSED = False
    with pytest.raises(ValidationError, match="licence"):
        services.record_score(
            prescription, world["link_worker"], instrument="wemwbs", occasion="start", answers=answers
        )
    settings.OCTOPUS_WEMWBS_LICENSED = True
    score = services.record_score(
        prescription, world["link_worker"], instrument="wemwbs", occasion="start", answers=answers
    )
    assert score.scores == {"total": 42}


def test_person_change_on_ons4_reads_a_fall_in_anxiety_as_better(world):
    prescription = _start(world)
    services.record_score(prescription, world["link_worker"], instrument="ons4", occasion="start", answers=ONS4_START)
    services.record_score(prescription, world["link_worker"], instrument="ons4", occasion="review", answers=ONS4_REVIEW)
    changes = {c.label: c for c in outcomes.person_changes(prescription.scores.all())}
    assert changes["Life satisfaction"].change == 3 and changes["Life satisfaction"].direction == "Better"
    assert changes["Anxiety"].change == -4 and changes["Anxiety"].direction == "Better"


def _measured_people(world, n, introduce_to=None):
    for _ in range(n):
        resident = make_resident(lsoa_code="E01004736")
        prescription = _start(world, resident=resident)
        services.record_score(
            prescription,
            world["link_worker"],
            instrument="swemwbs",
            occasion="start",
            answers=dict.fromkeys(
                ("optimistic", "useful", "relaxed", "problems", "thinking_clearly", "close_to_others", "make_up_mind"),
                3,
            ),
        )  # raw 21 → 19.25
        services.record_score(
            prescription,
            world["link_worker"],
            instrument="swemwbs",
            occasion="review",
            answers=dict.fromkeys(
                ("optimistic", "useful", "relaxed", "problems", "thinking_clearly", "close_to_others", "make_up_mind"),
                4,
            ),
        )  # raw 28 → 25.03
        if introduce_to is not None:
            services.introduce(
                prescription,
                world["link_worker"],
                to_practitioner=introduce_to,
                need="money",
                reason="Debt",
                shared_information="Arrears",
                preferred_contact="phone",
                resident_agreed=True,
            )


def test_change_per_service_publishes_means_only_behind_eight_people_and_rounds_the_count(world):
    _measured_people(world, 9, introduce_to=world["fred"])
    _measured_people(world, 3, introduce_to=world["ama"])
    rows = {r["group"]: r for r in outcomes.by_service()}
    everyone, advice, befriending = rows["Everyone"], rows["Debt Advice"], rows["Befriending"]
    assert everyone["people"] == 10 and everyone["mean_change"] == pytest.approx(25.03 - 19.25, abs=0.01)  # 12 → 10
    assert advice["people"] == 10 and advice["mean_start"] == 19.25 and advice["mean_review"] == 25.03  # 9 → 10
    assert befriending["people"] is None and befriending["mean_change"] is None  # 3 people: withheld


def test_findings_count_needs_in_the_doorstep_vocabulary_with_introductions(world):
    prescription = _start(world, referred_on=dt.date(2026, 11, 14))
    money = services.introduce(
        prescription,
        world["link_worker"],
        to_practitioner=world["fred"],
        need="money",
        reason="Debt",
        shared_information="Arrears",
        preferred_contact="phone",
        resident_agreed=True,
    )
    services.introduce(
        prescription,
        world["link_worker"],
        to_practitioner=world["ama"],
        need="money",
        reason="Company",
        shared_information="Lives alone",
        preferred_contact="phone",
        resident_agreed=True,
    )
    Referral.objects.filter(pk=money.pk).update(status=ReferralStatus.COMPLETED)
    _start(
        world, resident=make_resident(lsoa_code="E01004737"), referred_on=dt.date(2026, 12, 1)
    )  # outside: end is exclusive

    rows = list(findings.findings(dt.date(2026, 11, 1), dt.date(2026, 12, 1)))
    assert {tuple(sorted(r)) for r in rows} == {
        ("destination", "introductions", "introductions_completed", "lsoa_code", "month", "need", "source")
    }
    simplified = sorted(
        (r["need"], r["introductions"], r["introductions_completed"], r["destination"] or "") for r in rows
    )
    assert simplified == [
        ("", 1, 0, "Befriending (Age UK Westminster)"),  # a second introduction for the same need
        ("isolation", 0, 0, ""),  # loneliness, counted as the doorstep's "isolation"
        ("money", 1, 1, "Debt Advice (Citizens Advice Westminster)"),
    ]
    assert {r["month"] for r in rows} == {dt.date(2026, 11, 1)} and {r["lsoa_code"] for r in rows} == {"E01004736"}
    assert {r["source"] for r in rows} == {"Social prescribing"}


def test_introduction_reaches_the_named_person_and_needs_one_of_the_reasons(world):
    prescription = _start(world)
    with pytest.raises(ValidationError, match="referral reasons"):
        services.introduce(
            prescription,
            world["link_worker"],
            to_practitioner=world["fred"],
            need="housing",
            reason="Debt",
            shared_information="Arrears",
            preferred_contact="phone",
            resident_agreed=True,
        )
    referral = services.introduce(
        prescription,
        world["link_worker"],
        to_practitioner=world["fred"],
        need="money",
        reason="Debt",
        shared_information="Arrears",
        preferred_contact="phone",
        resident_agreed=True,
    )
    assert referral.to_practitioner == world["fred"] and referral.to_team == world["advice"]
    assert prescription.introductions.get().referral == referral


def test_someone_outside_the_team_cannot_change_the_prescription(world):
    prescription = _start(world)
    with pytest.raises(PermissionDenied):
        services.add_goal(prescription, world["gp"], "Join a walking group")


# --- pages ----------------------------------------------------------------------------------


def test_link_worker_starts_records_and_sees_change_on_the_page(client, world):
    client.force_login(world["link_worker"])
    url = reverse("social_prescribing:resident", args=[world["resident"].person_id])
    response = client.post(
        url, {"action": "start", "source": "gp", "reasons": ["loneliness"], "what_matters": "My garden"}
    )
    assert response.status_code == 302
    prescription = Prescription.objects.get()
    client.post(url, {"action": "goal", "prescription": prescription.pk, "text": "Join the lunch club"})
    for occasion, answers in (("start", ONS4_START), ("review", ONS4_REVIEW)):
        client.post(
            url,
            {
                "action": "score",
                "prescription": prescription.pk,
                "instrument": "ons4",
                "occasion": occasion,
                **{f"item-{k}": v for k, v in answers.items()},
            },
        )
    page = client.get(url).content.decode()
    assert "My garden" in page and "Join the lunch club" in page
    assert "Change from start to review" in page and "+3" in page and "-4" in page
    caseload = client.get(reverse("social_prescribing:caseload")).content.decode()
    assert "Maria Santos" in caseload and "Loneliness or social isolation" in caseload


def test_bad_score_on_the_page_names_the_question_and_writes_nothing(client, world):
    prescription = _start(world)
    client.force_login(world["link_worker"])
    url = reverse("social_prescribing:resident", args=[world["resident"].person_id])
    response = client.post(
        url,
        {
            "action": "score",
            "prescription": prescription.pk,
            "instrument": "ons4",
            "occasion": "start",
            **{f"item-{k}": v for k, v in ONS4_START.items()},
            "item-happiness": "11",
        },
    )
    assert response.status_code == 200 and "how happy did you feel yesterday" in response.content.decode()
    assert not WellbeingScore.objects.exists()


def test_outcomes_page_has_chart_table_and_csv(client, world, make_user):
    _measured_people(world, 8, introduce_to=world["fred"])
    client.force_login(make_user("analyst"))
    page = client.get(reverse("social_prescribing:outcomes"))
    assert page.status_code == 200 and b"chart-wellbeing-change" in page.content
    csv = client.get(reverse("social_prescribing:outcomes"), {"csv": "wellbeing-change"}).content.decode()
    assert csv.splitlines()[0] == "Service introduced to,Measure,People,Mean at start,Mean at review,Mean change"
    assert "Everyone,SWEMWBS metric score,10,19.25,25.03,5.78" in csv


def test_introduction_from_the_page_is_a_warm_introduction_to_the_named_person(client, world):
    prescription = _start(world)
    client.force_login(world["link_worker"])
    url = reverse("social_prescribing:resident", args=[world["resident"].person_id])
    client.post(
        url,
        {
            "action": "introduce",
            "prescription": prescription.pk,
            "to_practitioner": world["fred"].pk,
            "need": "money",
            "reason": "Rent arrears",
            "shared_information": "Arrears of £400",
            "preferred_contact": "phone",
            "resident_agreed": "yes",
        },
    )
    referral = Referral.objects.get(to_practitioner=world["fred"])
    assert referral.sender == world["link_worker"] and referral.reason == "Rent arrears" and referral.resident_agreed
    assert prescription.introductions.get().reason == "money"
