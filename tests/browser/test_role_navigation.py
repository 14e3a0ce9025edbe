"""Every role finds its tools: sign in, follow each header and home-page link, no 403 or 404,
and axe passes on every page (the IG lead reaches the audit pages, the analyst data intake)."""

import pytest

from octopus.accounts.roles import catalogue
from tests.fixtures import intake_store

pytestmark = pytest.mark.django_db(transaction=True)

# What each role must be able to reach from its home page, beyond the shared pages.
MUST_REACH = {
    "ig_lead": {"Break-glass reviews", "Access approvals", "Search the audit log", "Verify the audit log", "Subject access requests"},
    "analyst": {"Data intake", "Population", "Quarantined rows", "Linkage review", "Cohorts"},
    "int_manager": {"Access approvals", "Data intake", "Population", "Meetings"},
    "system_admin": {"Admin"},
    "clinician": {"Residents", "Caseload", "Meetings", "Population"},
}


@pytest.fixture(scope="module")
def intake_template(tmp_path_factory):
    return intake_store.build(tmp_path_factory.mktemp("intake-template"))


@pytest.fixture
def neighbourhood_data(intake_template, tmp_path, settings):
    from octopus.insights.testing import write_snapshot

    settings.DATA_DIR = intake_store.copy_to(intake_template, tmp_path / "data")
    write_snapshot(tmp_path / "snapshot")


@pytest.mark.parametrize("role", sorted(catalogue().roles))
def test_role_navigation_every_link_opens(browser_page, make_user, neighbourhood_data, role):
    make_user(role, username=f"nav-{role}")
    browser_page.sign_in(f"nav-{role}")
    page = browser_page.page
    header = page.get_by_role("navigation", name="Menu").get_by_role("link")
    links = {header.nth(i).inner_text().strip(): header.nth(i).get_attribute("href") for i in range(header.count())}
    cards = page.locator(".nhsuk-card-group a")
    home = {cards.nth(i).inner_text().strip(): cards.nth(i).get_attribute("href") for i in range(cards.count())}
    assert MUST_REACH.get(role, set()) <= set(home), f"{role} cannot find {MUST_REACH[role] - set(home)} on the home page"
    assert set(links.values()) <= set(home.values()), "every header section is also on the home page"
    for label, href in sorted({**home, **links}.items()):
        response = page.goto(browser_page.base_url + href)
        assert response.status < 400, f"{role}: {label} ({href}) answered {response.status}"
        browser_page.check_accessibility()
