"""Journey 1 in small, in a browser: load deliveries, see what was refused and quarantined,
decide review pairs and link — axe on every page."""

from pathlib import Path

import pytest

from tests.fixtures import intake_store

FAULTY = Path(__file__).parents[1] / "fixtures" / "feeds"
pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def intake_dir(intake_template, tmp_path, settings):
    settings.DATA_DIR = intake_store.copy_to(intake_template, tmp_path / "data")
    return settings.DATA_DIR


def test_analyst_loads_deliveries_reviews_pairs_and_links(browser_page, make_user, intake_dir):
    make_user("analyst", username="priya")
    browser_page.sign_in("priya")
    page = browser_page.goto("/intake/")
    assert page.get_by_role("heading", level=1, name="Data intake").is_visible()

    page.get_by_label("Feed files").set_input_files(
        [
            str(FAULTY / "apc_spells__RYJ__good.csv"),
            str(FAULTY / "apc_spells__RYJ__missing_column.csv"),
            str(FAULTY / "ae_attendances__RYJ__bad_nhs_numbers.csv"),
        ]
    )
    page.get_by_role("button", name="Load files").click()
    page.wait_for_load_state()
    browser_page.check_accessibility()
    results = page.get_by_role("table")
    refused = results.get_by_role("row", name="apc_spells__RYJ__missing_column.csv")
    assert refused.get_by_text("Refused").is_visible()
    assert refused.get_by_text("apc_spells__RYJ__missing_column.csv:").is_visible()  # the exact message
    assert results.get_by_role("row", name="apc_spells__RYJ__good.csv").get_by_text("Loaded", exact=True).is_visible()

    page.get_by_role("link", name="quarantined rows of ae_attendances__RYJ__bad_nhs_numbers.csv").click()
    page.wait_for_load_state()
    browser_page.check_accessibility()
    quarantine = page.get_by_role("table")
    assert quarantine.get_by_role("cell", name="nhs_number").first.is_visible()
    assert quarantine.get_by_text("is not a valid NHS number").first.is_visible()

    page = browser_page.goto("/intake/review/")
    pairs_before = page.get_by_role("link", name="Compare").count()
    assert pairs_before >= 2
    page.get_by_role("link", name="Compare").first.click()
    page.wait_for_load_state()
    browser_page.check_accessibility()
    assert page.get_by_role("heading", name="Are these the same person?").is_visible()
    assert page.get_by_text("takes effect at the next link run").is_visible()
    page.get_by_role("button", name="Confirm match").click()
    page.wait_for_load_state()
    browser_page.check_accessibility()
    assert page.get_by_text("Recorded: confirm match").is_visible()
    page.get_by_role("button", name="Not a match").click()
    page.wait_for_load_state()
    browser_page.check_accessibility()

    page = browser_page.goto("/intake/review/")
    assert page.get_by_role("link", name="Compare").count() == pairs_before - 2
    page = browser_page.goto("/intake/linkage/")
    page.get_by_role("button", name="Link now").click()
    page.wait_for_load_state()
    browser_page.check_accessibility()
    assert page.get_by_text("Link run 2").is_visible()
    assert page.get_by_role("row", name="Confirmed in clerical review").is_visible()
    browser_page.goto("/intake/")
