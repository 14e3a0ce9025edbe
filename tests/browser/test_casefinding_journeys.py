"""Case-finding in a real browser, with axe on every page: journey 2 (rising risk becomes
proactive-tier work with a lead professional), and a PCN care coordinator working through the
shielded-style list — monthly check-ins for twenty residents, five reviewed with no action."""

import datetime as dt

import pytest
from django.utils import timezone

from octopus.care import services
from octopus.care.models import CheckIn
from octopus.casefinding.models import CheckInProgramme, ListDecision
from octopus.residents.factories import make_resident
from tests.browser.test_care_journeys import westminster  # noqa: F401
from tests.casefinding_factories import SHIELDED, pcn_world, registered

pytestmark = pytest.mark.django_db(transaction=True)


def test_rising_risk_becomes_proactive_work_on_a_phone(phone_page, westminster):  # noqa: F811
    coordinator, nurse = westminster["coordinator"], westminster["nurse"]
    team = coordinator.memberships.first().team
    for name, reason in [
        ("Ada", "2 A&E attendances since the last run"),
        ("Bola", "New heart failure diagnosis"),
        ("Cyril", "Admitted twice"),
    ]:
        resident = make_resident(given_name=name, family_name="Rising", rising_risk=True, rising_risk_reason=reason)
        services.open_case(resident, team, coordinator, source="cohort")
    page = phone_page.page
    phone_page.sign_in("coordinator")
    phone_page.goto("/caseload/rising-risk/")  # the old address leads to the case-finding list
    assert page.get_by_role("heading", name="Rising risk", exact=True).is_visible()
    assert page.get_by_text("New heart failure diagnosis").is_visible()
    page.get_by_label("Choose Ada Rising").check()
    page.get_by_label("Choose Bola Rising").check()
    page.get_by_label("Lead professional").select_option(label="Tom Hargreaves, District nurse")
    page.get_by_label("Caseload team").select_option(index=1)
    page.get_by_role("button", name="Open cases").click()
    page.wait_for_load_state()
    phone_page.check_accessibility()
    assert page.get_by_text("2 of 2 chosen residents on the Rising risk list.").is_visible()
    assert nurse.tasks.count() == 2
    phone_page.goto("/caseload/?tier=proactive")
    assert page.get_by_role("link", name="Ada Rising", exact=True).is_visible()
    assert page.get_by_role("link", name="Cyril Rising", exact=True).count() == 0
    phone_page.goto("/case-finding/rising-risk/?status=acted")
    assert page.get_by_role("link", name="Bola Rising", exact=True).is_visible()
    assert page.get_by_role("link", name="Cyril Rising", exact=True).count() == 0


def test_pcn_coordinator_starts_check_ins_for_twenty_and_reviews_five(browser_page):
    world = pcn_world()
    practices = [world["lisson"], world["church"]]
    residents = [
        registered(
            practices[n % 2],
            given_name=f"Shielded{n:02d}",
            family_name="Resident",
            cohorts=[SHIELDED],
            phone=f"020 7946 {n:04d}",
            risk_probability=0.5 - n / 100,
        )
        for n in range(25)
    ]
    registered(world["pimlico"], given_name="Elsewhere", family_name="Resident", cohorts=[SHIELDED])
    page = browser_page.page
    browser_page.sign_in("pcn-coordinator")
    browser_page.goto("/case-finding/")
    page.get_by_role("link", name="Clinically vulnerable (shielded-style)").click()
    page.wait_for_load_state()
    browser_page.check_accessibility()
    assert page.get_by_text("25 residents you may open are on this list").is_visible()
    assert page.get_by_role("link", name="Elsewhere Resident").count() == 0
    for resident in residents[:20]:
        page.get_by_label(f"Choose {resident.name}").check()
    page.get_by_label("Named caller").select_option(label="Grace Mensah")
    page.get_by_label("Script").select_option(label="Monthly check-in (integrated shielded model)")
    page.get_by_label("First call due").fill((timezone.localdate() + dt.timedelta(days=7)).isoformat())
    page.get_by_role("button", name="Start check-ins").click()
    page.wait_for_load_state()
    browser_page.check_accessibility()
    assert page.get_by_text(
        "20 of 20 chosen residents on the Clinically vulnerable (shielded-style) list."
    ).is_visible()
    assert CheckInProgramme.objects.filter(caller=world["coordinator"]).count() == 20
    assert CheckIn.objects.filter(assignee=world["coordinator"], status="scheduled").count() == 20 * 6

    page.get_by_role("link", name="Back to the Clinically vulnerable (shielded-style) list").click()
    page.wait_for_load_state()
    page.get_by_label("Status").select_option(label="To review")
    page.get_by_role("button", name="Apply filters").click()
    page.wait_for_load_state()
    browser_page.check_accessibility()
    assert page.get_by_text("5 residents you may open are on this list").is_visible()
    for resident in residents[20:]:
        page.get_by_label(f"Choose {resident.name}").check()
    page.get_by_label("Why no action").fill("Stable; seen by the practice nurse this month")
    page.get_by_role("button", name="Mark reviewed, no action").click()
    page.wait_for_load_state()
    browser_page.check_accessibility()
    assert page.get_by_text("5 of 5 chosen residents").is_visible()
    assert ListDecision.objects.filter(outcome="no_action").count() == 5

    browser_page.goto("/case-finding/clinically_vulnerable/?status=to_review")
    assert page.get_by_text("Nobody you may open is on this list with these filters.").is_visible()
    browser_page.goto("/case-finding/")
    row = page.get_by_role("row", name="Clinically vulnerable (shielded-style)")
    assert row.get_by_role("cell").nth(1).inner_text() == "0" and row.get_by_role("cell").nth(2).inner_text() == "20"
    assert row.get_by_role("cell").nth(3).inner_text() == "5"
    programme = CheckInProgramme.objects.filter(resident=residents[0]).get()
    browser_page.goto(f"/case-finding/check-ins/{programme.pk}/")
    assert page.get_by_text("How many different services have called you this month?").is_visible()
    browser_page.goto("/case-finding/coverage/")
    assert page.get_by_role("heading", name="Clinically vulnerable (shielded-style)").is_visible()


def test_coordinator_starts_discharge_follow_up_calls_from_the_discharge_list(browser_page):
    from octopus.residents.models import ActivityEvent, ActivityKind

    world = pcn_world()
    today = timezone.localdate()
    residents = []
    for n in range(3):
        resident = registered(
            world["lisson"],
            given_name=f"Discharged{n}",
            family_name="Resident",
            cohorts=["Discharged in the last 14 days"],
            phone=f"020 7946 01{n:02d}",
            snapshot_as_of=today,
        )
        left = today - dt.timedelta(days=n + 1)
        ActivityEvent.objects.create(
            resident=resident,
            occurred_on=left - dt.timedelta(days=2),
            kind=ActivityKind.ADMISSION,
            source_organisation="St Mary's Hospital",
            summary="Emergency admission (2 nights)",
            detail={"discharge_date": left.isoformat()},
            source_feed="apc_spells",
            source_key=f"RYJ:{n}",
        )
        residents.append(resident)
    page = browser_page.page
    browser_page.sign_in("pcn-coordinator")
    browser_page.goto("/case-finding/discharged_last_14_days/")
    for resident in residents[:2]:
        page.get_by_label(f"Choose {resident.name}").check()
    page.get_by_label("Who makes the calls").select_option(label="Grace Mensah")
    page.get_by_role("button", name="Start follow-up calls").click()
    page.wait_for_load_state()
    browser_page.check_accessibility()
    assert page.get_by_text("2 of 2 chosen residents on the Discharged in the last 14 days list.").is_visible()
    assert world["coordinator"].tasks.filter(source="discharge").count() == 2
    page.get_by_role("link", name="Back to the Discharged in the last 14 days list").click()
    page.wait_for_load_state()
    browser_page.check_accessibility()
    assert page.get_by_text("Follow-up call open with Grace Mensah").count() == 2
