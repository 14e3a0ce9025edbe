"""Social prescribing and working groups in a real browser, with axe on every page: a link worker
records ONS4 at the start and at review and sees the change; a working group action reaches the
owner's task inbox."""

import pytest

from tests.social_prescribing_factories import link_worker_world

pytestmark = pytest.mark.django_db(transaction=True)

START = {"life_satisfaction": "3", "worthwhile": "4", "happiness": "2", "anxiety": "8"}
REVIEW = {"life_satisfaction": "7", "worthwhile": "7", "happiness": "6", "anxiety": "3"}


def _record_ons4(browser_page, occasion: str, answers: dict):
    page = browser_page.page
    page.get_by_text("Record ONS personal wellbeing (ONS4)").click()
    form = page.locator("form[id^='record-ons4-']")
    form.get_by_label("When").select_option(label=occasion)
    for code, value in answers.items():
        form.locator(f"input[name='item-{code}']").fill(value)
    form.get_by_role("button", name="Save ONS personal wellbeing").click()
    page.wait_for_load_state()
    browser_page.check_accessibility()


def test_link_worker_records_ons4_before_and_after(browser_page, make_user):
    world = link_worker_world(make_user)
    page = browser_page.page
    browser_page.sign_in("linkworker")
    browser_page.goto(f"/social-prescribing/residents/{world['resident'].person_id}/")
    page.get_by_label("Referred by").select_option(label="GP or practice team")
    page.get_by_label("Loneliness or social isolation").check()
    page.get_by_label("What matters to Maria").fill("Seeing my grandchildren and my garden")
    page.get_by_role("button", name="Start social prescribing").click()
    page.wait_for_load_state()
    browser_page.check_accessibility()
    assert page.get_by_text("Social prescribing started.").is_visible()

    _record_ons4(browser_page, "At the start", START)
    assert page.get_by_text("Life satisfaction 3 (low)").is_visible()
    _record_ons4(browser_page, "At review", REVIEW)

    table = page.locator("table[id^='wellbeing-change-']")
    rows = {
        row.locator("th").inner_text(): row.locator("td").all_inner_texts() for row in table.locator("tbody tr").all()
    }
    assert rows["Life satisfaction"] == ["3", "7", "+4", "Better"]
    assert rows["Anxiety"] == ["8", "3", "-5", "Better"]

    browser_page.goto("/social-prescribing/")
    assert page.get_by_role("link", name="Maria Santos").is_visible()
    assert page.get_by_text("ONS personal wellbeing at review").is_visible()


def test_working_group_action_reaches_the_owner_inbox(browser_page, make_user):
    from octopus.directory.models import Organisation, Team

    council = Organisation.objects.create(name="Westminster City Council", heart="local_authority")
    housing = Team.objects.create(organisation=council, name="Housing Options", tier="tailored")
    make_user("int_manager", username="chair", first_name="Priya", last_name="Shah")
    make_user("social_worker", team=housing, username="housing", first_name="Tom", last_name="Reid")
    page = browser_page.page

    browser_page.sign_in("chair")
    browser_page.goto("/working-groups/")
    page.get_by_label("Name").fill("Homelessness")
    page.get_by_label("Works on").select_option(label="Homelessness")
    page.get_by_label("Aims").fill("Nobody discharged from hospital to the street")
    page.get_by_role("button", name="Set up the group").click()
    page.wait_for_load_state()
    browser_page.check_accessibility()
    page.get_by_label("Add a member").select_option(label="Tom Reid")
    page.get_by_role("button", name="Add member").click()
    page.wait_for_load_state()
    page.get_by_label("New action").fill("Count hostel beds free each night")
    page.get_by_label("Owner").select_option(label="Tom Reid")
    page.get_by_label("Due").fill("2027-01-15")
    page.get_by_role("button", name="Add action").click()
    page.wait_for_load_state()
    browser_page.check_accessibility()
    assert page.get_by_text("Action added to Tom Reid's inbox.").is_visible()
    assert page.get_by_text("Westminster City Council").first.is_visible()

    page.context.clear_cookies()
    browser_page.sign_in("housing")
    browser_page.goto("/caseload/inbox/")
    task = page.get_by_role("link", name="Homelessness: Count hostel beds free each night", exact=True)
    assert task.is_visible()
    task.click()
    page.wait_for_load_state()
    browser_page.check_accessibility()
    assert page.get_by_role("heading", name="Homelessness", level=1).is_visible()
