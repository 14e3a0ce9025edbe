"""The care journeys in a real browser, with axe on every page: find a resident, introduce them
to a named person, accept as that person, write a care plan, schedule check-ins, record a death."""

import datetime as dt

import pytest
from django.utils import timezone

from octopus.care import services
from octopus.residents.factories import make_activity, make_resident

pytestmark = pytest.mark.django_db(transaction=True)
PASSWORD = "pw-for-tests-only"


@pytest.fixture
def westminster(demo_directory):
    """The demo directory with Sam, Fred, the matron and the coordinator able to sign in."""
    from octopus import demo
    from octopus.accounts.models import User

    demo.ensure_demo_users(demo_directory["accounts"])
    for user in User.objects.all():
        user.set_password(PASSWORD)
        user.save()
    return {u.username: u for u in User.objects.all()}


def switch_user(browser_page, username):
    browser_page.page.context.clear_cookies()
    browser_page.sign_in(username)


def click_through(browser_page, link_name):
    browser_page.page.get_by_role("link", name=link_name, exact=True).first.click()
    browser_page.page.wait_for_load_state()
    browser_page.check_accessibility()


def submit(browser_page, button_name):
    browser_page.page.get_by_role("button", name=button_name).click()
    browser_page.page.wait_for_load_state()
    browser_page.check_accessibility()


def test_warm_introduction_from_sam_to_fred(browser_page, westminster):
    sam, fred = westminster["prescriber"], westminster["vcse"]
    resident = make_resident(given_name="Mary", family_name="Jones", postcode="W2 1DX")
    services.open_case(resident, sam.memberships.first().team, sam, source="visit", holder=sam)
    page = browser_page.page

    browser_page.sign_in("prescriber")
    browser_page.goto("/residents/")
    page.get_by_label("Name, NHS number, date of birth or postcode").fill("W2 1DX")
    submit(browser_page, "Search")
    click_through(browser_page, "Mary Jones")
    assert page.get_by_role("heading", name="Mary Jones", level=1).is_visible()
    click_through(browser_page, "Refer or introduce Mary")
    page.get_by_label("Introduce to a named person").select_option(
        label="Fred Adeyemi, Debt adviser – Debt and Welfare Advice"
    )
    page.get_by_label("Why you are referring").fill("Isolated and behind on rent")
    page.get_by_label("Soon (within 3 days)").check()
    page.get_by_label("What the resident agreed to share").fill("Rent arrears since March; lives alone")
    page.get_by_label("Phone call").check()
    page.get_by_label("Contact details or best times").fill("Mornings")
    page.get_by_role("checkbox", name="The resident agreed to this referral and to what is shared").check()
    submit(browser_page, "Send")
    assert page.locator("#referral-status").inner_text() == "Sent"

    switch_user(browser_page, "vcse")
    browser_page.goto("/caseload/inbox/")
    click_through(browser_page, "Introduction of Mary Jones")
    click_through(browser_page, "Accept")
    page.get_by_label("Note").fill("I'll ring tomorrow morning")
    submit(browser_page, "Accept and take on")
    assert page.locator("#referral-status").inner_text() == "Accepted"

    switch_user(browser_page, "prescriber")
    browser_page.goto("/caseload/referrals/")
    click_through(browser_page, "Mary Jones")
    assert page.locator("#referral-status").inner_text() == "Accepted"
    assert page.get_by_text("I'll ring tomorrow morning").is_visible()
    assert fred.owned_referrals.count() == 1


def test_care_plan_check_ins_and_death_stop_contacts(browser_page, westminster):
    matron = westminster["matron"]
    resident = make_resident(given_name="Arthur", family_name="Price")
    services.open_case(resident, matron.memberships.first().team, matron, source="meeting", holder=matron)
    make_activity(resident, "ae", days_ago=2, summary="Attended A&E with a fall")
    make_activity(
        resident, "gp", days_ago=6, source_organisation="Lanark Medical Centre", summary="GP review of medication"
    )
    page = browser_page.page
    browser_page.sign_in("matron")
    browser_page.goto(f"/residents/{resident.person_id}/")

    # The timeline filters in place (HTMX).
    page.get_by_label("GP", exact=True).check()
    page.wait_for_function("() => !document.querySelector('#timeline').innerText.includes('fall')")
    assert "GP review of medication" in page.locator("#timeline").inner_text()
    browser_page.check_accessibility()

    click_through(browser_page, "Care plan")
    click_through(browser_page, "Start the care plan")
    page.get_by_label("What matters to me").fill("Staying in my flat and seeing my grandchildren")
    page.get_by_label("Goals").fill("Walk to the shops twice a week\nNo more falls")
    page.get_by_label("Isolation and loneliness").fill("Lives alone since his wife died")
    page.get_by_label("Lead professional").select_option(label="Lucia Reyes, Community matron")
    page.get_by_label("Review date").fill((timezone.localdate() + dt.timedelta(days=28)).isoformat())
    submit(browser_page, "Save care plan")
    assert page.get_by_text("Staying in my flat and seeing my grandchildren").is_visible()
    page.get_by_label("Action", exact=True).fill("Falls assessment at home")
    page.get_by_label("Owner").select_option(label="Lucia Reyes, Community matron")
    page.get_by_label("Due by").fill((timezone.localdate() + dt.timedelta(days=7)).isoformat())
    submit(browser_page, "Add action")
    assert page.get_by_role("cell", name="Falls assessment at home", exact=True).is_visible()

    browser_page.goto(f"/caseload/residents/{resident.person_id}/check-ins/")
    page.get_by_label("Organisation that will check in").select_option(
        label="Central London Community Healthcare NHS Trust"
    )
    page.get_by_label("First check-in").fill((timezone.localdate() + dt.timedelta(days=3)).isoformat())
    page.get_by_label("Every (days)").fill("14")
    page.get_by_label("How many").fill("3")
    submit(browser_page, "Schedule check-ins")
    assert page.get_by_role("cell", name="Scheduled", exact=True).count() == 3

    browser_page.goto(f"/caseload/residents/{resident.person_id}/death/")
    page.get_by_label("Date of death").fill(timezone.localdate().isoformat())
    page.get_by_label("How you know").fill("Told by his daughter")
    page.get_by_role("checkbox", name="I understand all scheduled contacts will stop and open cases will close").check()
    submit(browser_page, "Record death")
    assert page.get_by_text("All scheduled contacts have stopped. Do not contact the resident.").is_visible()
    assert page.locator("#upcoming-check-ins").inner_text() == "No check-ins are scheduled."
    browser_page.goto("/caseload/inbox/")
    assert page.get_by_role("link", name="Bereavement: contact the family of Arthur Price").is_visible()


def test_remaining_care_pages_pass_axe_and_record_works_on_a_phone(phone_page, westminster):
    matron = westminster["matron"]
    resident = make_resident(given_name="Edna", family_name="Moss", interpreter_needed=True, main_language="Bengali")
    case = services.open_case(resident, matron.memberships.first().team, matron, source="meeting", holder=matron)
    plan = services.start_plan(resident, matron, lead_professional=matron)
    services.save_plan(
        plan,
        matron,
        expected_version=1,
        what_matters="My garden",
        goals=["Sleep better"],
        needs={"housing": "Damp"},
        lead_professional=matron,
        review_date=timezone.localdate() + dt.timedelta(days=20),
    )
    make_activity(resident, "admission", days_ago=12, summary="Emergency admission: chest infection")
    page = phone_page.page
    phone_page.sign_in("matron")
    phone_page.goto(f"/residents/{resident.person_id}/")
    assert page.get_by_text("Bengali, needs an interpreter").is_visible()
    for path in [
        f"/caseload/residents/{resident.person_id}/tier/",
        f"/caseload/residents/{resident.person_id}/add/",
        f"/caseload/residents/{resident.person_id}/plan/edit/",
        f"/caseload/residents/{resident.person_id}/plan/print/",
        f"/caseload/cases/{case.pk}/close/",
        "/caseload/",
        "/caseload/referrals/",
    ]:
        phone_page.goto(path)
    phone_page.goto(f"/caseload/residents/{resident.person_id}/tier/")
    page.get_by_label("Complex case management (MDT/INC)").check()
    page.get_by_label("Reason for the move").fill("Discussed at the INC")
    page.get_by_role("button", name="Save tier").click()
    page.wait_for_load_state()
    phone_page.check_accessibility()
    assert page.get_by_text("Edna Moss is now in the Complex case management (MDT/INC) tier.").is_visible()
