"""A visit recorded with no signal, on a 390×844 phone (decision 0030): it waits on the phone,
the page says so (also after a reload with no signal, from the phone's saved copy), a reload
keeps a draft, and after the signal returns it arrives exactly once."""

import datetime as dt

import pytest
from django.utils import timezone

from octopus.outreach import services
from octopus.outreach.models import Allocation, Visit
from octopus.residents.factories import make_household, make_resident

from .conftest import Pages

pytestmark = pytest.mark.django_db(transaction=True)
PASSWORD = "pw-for-tests-only"


@pytest.fixture
def phone(chromium, live_server):
    context = chromium.new_context(viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True)
    page = context.new_page()
    errors: list[str] = []
    page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
    yield Pages(page, live_server.url), context
    context.close()
    csp = [e for e in errors if "Content Security Policy" in e]
    assert not csp, f"Content-Security-Policy violations: {csp}"


@pytest.fixture
def todays_round(make_user):
    planner = make_user("int_manager", username="planner")
    chww = make_user("chww", username="amina", first_name="Amina", last_name="Hassan")
    chww.set_password(PASSWORD)
    chww.save()
    today = timezone.localdate()
    households = [
        make_household(address_line=line, lsoa_code="E01004670") for line in ("3 Church Street", "7 Church Street")
    ]
    make_resident(household=households[0], given_name="Joseph", family_name="Mensah", date_of_birth=dt.date(1956, 2, 1))
    make_resident(household=households[1], given_name="Rita", family_name="Okoro")
    round_ = services.create_round(
        planner,
        name="Church Street, this month",
        starts_on=today - dt.timedelta(days=3),
        ends_on=today + dt.timedelta(days=25),
    )
    allocations = services.allocate(
        round_, planner, worker=chww, households=households, first_day=today, visits_per_day=9
    )
    # Planned for today whatever day of the week the test runs, so the phone saves them: the rota
    # plans weekdays only, and on a Saturday or Sunday it would put them on Monday.
    Allocation.objects.filter(pk__in=[a.pk for a in allocations]).update(planned_on=today)
    for allocation in allocations:
        allocation.planned_on = today
    return allocations


def test_visit_saved_offline_arrives_once_after_reconnecting(phone, todays_round):
    pages, context = phone
    page = pages.page
    pages.sign_in("amina")
    pages.goto("/outreach/")
    page.wait_for_function(
        "navigator.serviceWorker && navigator.serviceWorker.controller !== null || "
        "navigator.serviceWorker.getRegistration().then(r => !!(r && r.active))"
    )
    pages.goto(page.locator("ol.octopus-households li a").first.get_attribute("href"))

    # A draft survives a reload.
    page.get_by_label("Engaged: we talked").check()
    page.get_by_label("Lonely or isolated").check()
    page.get_by_label("Note").fill("Would like the lunch club")
    page.wait_for_timeout(300)  # let IndexedDB write the draft
    page.reload()
    page.wait_for_selector("[data-draft-restored]:not([hidden])")
    assert page.get_by_label("Note").input_value() == "Would like the lunch club"
    assert page.get_by_label("Lonely or isolated").is_checked()

    context.set_offline(True)
    page.get_by_role("button", name="Save visit").click()
    page.wait_for_selector("[data-saved-offline]:not([hidden])")
    status = page.locator("#outbox [data-outbox-summary]")
    assert "1 visit is saved on this phone, waiting to be sent" in status.inner_text()
    pages.check_accessibility()
    assert not Visit.objects.exists()

    # Still no signal: the household comes back from the phone, saying what is waiting.
    page.reload()
    page.wait_for_selector("#outbox:not([hidden])")
    assert "waiting to be sent" in status.inner_text()
    assert not Visit.objects.exists()

    context.set_offline(False)
    page.wait_for_selector("#outbox", state="hidden", timeout=30000)
    # A second flush (another tab, a retry after a lost response) sends nothing new.
    page.evaluate("window.dispatchEvent(new Event('online'))")
    page.wait_for_timeout(500)
    visit = Visit.objects.get()
    assert visit.client_key is not None and visit.answers == {"isolation": ["lonely"]}
    assert visit.note == "Would like the lunch club"


def test_planner_plans_a_month_for_three_chwws(phone, make_user):
    pages, _ = phone
    planner = make_user("int_manager", username="planner")
    planner.set_password(PASSWORD)
    planner.save()
    for i in range(12):
        make_resident(household=make_household(address_line=f"{i + 1} Plan Street", lsoa_code="E01004670"))
    pages.sign_in("planner")
    pages.goto("/outreach/plan/")
    pages.page.get_by_label("Month to plan").fill("2026-12")
    pages.page.get_by_role("button", name="Plan the month").click()
    pages.page.wait_for_selector("#plan-summary")
    pages.check_accessibility()
    assert [h.inner_text() for h in pages.page.locator("main h2").all()] == [
        "Amina Hassan",
        "Tomasz Nowak",
        "Shirin Rahman",
    ]
    assert "12 households" not in pages.page.locator("#plan-summary").inner_text()  # split across the three


def test_the_days_route_map_draws_on_the_phone_with_no_signal(phone, todays_round):
    pages, context = phone
    pages.sign_in("amina")
    pages.goto("/outreach/")
    page = pages.page
    page.wait_for_selector(".octopus-route-map svg")
    pages.check_accessibility()
    page.wait_for_timeout(1500)  # the service worker saves the day
    context.set_offline(True)
    page.reload()
    assert page.locator(".octopus-route-map svg circle").count() == 2
    assert page.locator(".octopus-route-map svg").bounding_box()["width"] <= 390
    context.set_offline(False)


def test_planner_chooses_target_areas_on_the_area_page(phone, make_user):
    pages, _ = phone
    planner = make_user("int_manager", username="planner")
    planner.set_password(PASSWORD)
    planner.save()
    for i in range(12):
        make_resident(
            household=make_household(address_line=f"{i + 1} Alder Road", lsoa_code="E01004670"), risk_band="1"
        )
    pages.sign_in("planner")
    pages.goto("/outreach/areas/")
    page = pages.page
    page.get_by_label("The most deprived LSOAs covering a share of residents").check()
    page.get_by_role("button", name="Show areas").click()
    page.wait_for_selector("#targets-summary")
    page.wait_for_selector("#chart-map-targets svg", timeout=15000)
    pages.check_accessibility()
    page.get_by_role("link", name="Plan a month for these target areas").click()
    page.get_by_label("Month to plan").fill("2026-12")
    page.get_by_role("button", name="Plan the month").click()
    page.wait_for_selector("#plan-summary")
    assert "Alder Road" in page.content()
    pages.check_accessibility()
