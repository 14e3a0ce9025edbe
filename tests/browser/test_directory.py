"""Journey 5 in a browser: a social prescriber finds Fred at Citizens Advice for debt advice near W2."""

import pytest

pytestmark = pytest.mark.django_db(transaction=True)


def test_social_prescriber_finds_fred_for_debt_advice_near_w2(browser_page, make_user, demo_directory):
    make_user("social_prescriber", username="sam")
    browser_page.sign_in("sam")
    browser_page.goto("/directory/")
    page = browser_page.page
    page.get_by_label("Search people, teams and services").fill("debt advice near W2")
    page.get_by_role("button", name="Search").click()
    results = page.locator("#directory-results")
    results.get_by_role("link", name="Fred Adeyemi").first.wait_for()
    browser_page.check_accessibility()
    services = page.get_by_role("region", name="Services")
    assert services.get_by_role("link", name="Debt advice").is_visible()
    assert services.get_by_text("Citizens Advice Westminster").is_visible()
    services.get_by_role("link", name="Debt advice").click()
    page.wait_for_load_state()
    browser_page.check_accessibility()
    assert page.get_by_role("heading", level=1, name="Debt advice").is_visible()
    assert page.get_by_role("heading", name="Fred Adeyemi").is_visible()
    assert page.get_by_text("Usually within 2 working days").is_visible()
    page.get_by_role("link", name="Fred Adeyemi").click()
    page.wait_for_load_state()
    browser_page.check_accessibility()
    assert page.get_by_role("link", name="020 7000 2001").is_visible()


def test_neighbourhood_and_admin_edit_pages_pass_axe(browser_page, make_user, demo_directory):
    make_user("system_admin", username="kofi")
    browser_page.sign_in("kofi")
    page = browser_page.goto("/directory/neighbourhoods/westminster/")
    assert page.get_by_role("cell", name="REGENT HEALTH PCN").first.is_visible()
    page = browser_page.goto("/directory/edit/service/new/")
    page.get_by_role("button", name="Save").click()
    page.wait_for_load_state()
    browser_page.check_accessibility()
    assert page.get_by_role("alert").get_by_text("There is a problem").is_visible()
