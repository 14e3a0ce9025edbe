"""Every role finds its tools: sign in, follow each header and home-page link, no 403 or 404,
and axe passes on every page (the IG lead reaches the audit pages, the analyst data intake).
No page asks for an asset that is not there, and no raw code reaches a reader (issue #25):
snake_case identifiers outside <code>, or a language shown as its ISO code."""

import re

import pytest

from octopus.accounts.roles import catalogue
from tests.fixtures import intake_store

pytestmark = pytest.mark.django_db(transaction=True)

# What each role must be able to reach from its home page, beyond the shared pages.
MUST_REACH = {
    "ig_lead": {
        "Break-glass reviews",
        "Access approvals",
        "Search the audit log",
        "Verify the audit log",
        "Subject access requests",
    },
    "analyst": {"Data intake", "Population", "Quarantined rows", "Linkage review", "Cohorts"},
    "int_manager": {"Access approvals", "Data intake", "Population", "Meetings"},
    "system_admin": {"Admin"},
    "clinician": {"Residents", "Caseload", "Meetings", "Population"},
}


@pytest.fixture
def neighbourhood_data(intake_template, tmp_path, settings):
    from octopus.insights.testing import write_snapshot

    settings.DATA_DIR = intake_store.copy_to(intake_template, tmp_path / "data")
    write_snapshot(tmp_path / "snapshot")


SNAKE_CASE = re.compile(r"\b[a-z]+(?:_[a-z0-9]+)+\b")
LANGUAGE_CODE = re.compile(r"Language\s+[a-z]{2,3}\b")
# The reader's text of <main>: identifiers set in <code> are there on purpose (feed names for analysts),
# [data-verbatim] quotes a partner's file (a refusal names the file's own column names), and
# [data-identifier] marks an identifier shown as such (a file name, a username in the audit log).
READER_TEXT = """() => {
  const main = document.querySelector('main') || document.body;
  const copy = main.cloneNode(true);
  copy.querySelectorAll('code, pre, kbd, samp, script, style, [data-verbatim], [data-identifier]')
    .forEach(e => e.remove());
  return copy.innerText;
}"""


def _raw_codes(page) -> list[str]:
    text = page.evaluate(READER_TEXT)
    return SNAKE_CASE.findall(text) + LANGUAGE_CODE.findall(text)


@pytest.mark.parametrize("role", sorted(catalogue().roles))
def test_role_navigation_every_link_opens(browser_page, make_user, neighbourhood_data, role):
    make_user(role, username=f"nav-{role}")
    browser_page.sign_in(f"nav-{role}")
    page = browser_page.page
    missing_assets = []
    page.on(
        "response",
        lambda r: missing_assets.append(f"{r.status} {r.url}") if r.status >= 400 and "/static/" in r.url else None,
    )
    header = page.get_by_role("navigation", name="Menu").get_by_role("link")
    links = {header.nth(i).inner_text().strip(): header.nth(i).get_attribute("href") for i in range(header.count())}
    cards = page.locator(".nhsuk-card-group a")
    home = {cards.nth(i).inner_text().strip(): cards.nth(i).get_attribute("href") for i in range(cards.count())}
    assert MUST_REACH.get(role, set()) <= set(home), (
        f"{role} cannot find {MUST_REACH[role] - set(home)} on the home page"
    )
    assert set(links.values()) <= set(home.values()), "every header section is also on the home page"
    for label, href in sorted({**home, **links}.items()):
        response = page.goto(browser_page.base_url + href)
        assert response.status < 400, f"{role}: {label} ({href}) answered {response.status}"
        browser_page.check_accessibility()
        assert not _raw_codes(page), f"{role}: {label} ({href}) shows raw codes {sorted(set(_raw_codes(page)))}"
    assert not missing_assets, f"{role}: assets not found: {sorted(set(missing_assets))}"
