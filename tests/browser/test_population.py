"""Journey 9 in a browser: the analyst opens every Population page (axe on each)."""

import pytest

from octopus.insights.testing import write_snapshot

pytestmark = pytest.mark.django_db(transaction=True)

PAGES = [
    ("/population/", "Population overview"),
    ("/population/cost/", "Cost concentration"),
    ("/population/map/", "Population map"),
    ("/population/cohorts/", "Cohorts"),
    ("/population/deprivation/", "Deprivation"),
    ("/population/inequality/", "Inequalities"),
    ("/population/practices/", "Practice variation"),
    ("/population/model-card/", "Model card"),
    ("/population/capitation/", "Capitation"),
    ("/population/impact/", "INT impact"),
]


def test_analyst_visits_every_population_page(browser_page, make_user, tmp_path):
    write_snapshot(tmp_path / "snapshot")
    make_user("analyst", username="priya")
    browser_page.sign_in("priya")
    for path, heading in PAGES:
        page = browser_page.goto(path)
        assert page.get_by_role("heading", level=1, name=heading, exact=True).is_visible()
    page = browser_page.goto("/population/")
    page.get_by_text("Definition of “Risk pyramid”").click()
    assert (
        page.locator("#chart-risk-pyramid")
        .get_by_text("Bands cut the population by predicted 12-month risk")
        .is_visible()
    )
    page.get_by_text("Table of the figures in “Risk pyramid”").click()
    assert page.get_by_role("cell", name="suppressed").first.is_visible()


def test_capitation_chart_is_drawn(browser_page, make_user, tmp_path):
    write_snapshot(tmp_path / "snapshot")
    make_user("analyst", username="priya")
    browser_page.sign_in("priya")
    page = browser_page.goto("/population/capitation/?w2=3")
    # The weights are folded into bars in the browser by the CSP-safe interpreter.
    page.locator("#chart-capitation svg .mark-rect path").first.wait_for()
    assert page.locator("#chart-capitation svg .mark-rect path").count() >= 2
