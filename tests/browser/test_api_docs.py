"""The API documentation page in a browser: readable under the CSP (no violations) and accessible."""

import pytest

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.browser]


def test_api_docs_page_passes_axe_under_the_csp(browser_page, make_user):
    make_user("clinician", username="dev")
    browser_page.sign_in("dev")
    browser_page.goto("/api/docs/")
    page = browser_page.page
    assert page.get_by_role("heading", level=1, name="API documentation").is_visible()
    assert page.get_by_role("heading", name="PUT /api/care/residents/{person_id}/plan").is_visible()
    browser_page.check_accessibility()
