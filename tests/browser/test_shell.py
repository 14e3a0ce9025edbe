"""The web shell in a real browser: sign in, navigate, the directory, accessibility."""

import pytest

pytestmark = pytest.mark.django_db(transaction=True)


def test_sign_in_shows_home_with_role_navigation(browser_page, make_user):
    make_user("clinician", first_name="Adaeze")
    browser_page.sign_in("clinician1")
    page = browser_page.page
    assert page.get_by_role("heading", name="Good to see you, Adaeze").is_visible()
    nav = page.get_by_role("navigation", name="Menu")
    assert nav.get_by_role("link", name="Directory").count() == 1
    assert nav.get_by_role("link", name="Admin").count() == 0


def test_wrong_password_shows_error_summary(browser_page, make_user):
    make_user("clinician")
    browser_page.goto("/accounts/login/")
    page = browser_page.page
    page.get_by_label("Username").fill("clinician1")
    page.get_by_label("Password").fill("wrong")
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_load_state()
    browser_page.check_accessibility()
    assert page.get_by_role("alert").get_by_text("There is a problem").is_visible()
