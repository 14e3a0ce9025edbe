"""The Life expectancy page in a real browser: its four charts drawn under the strict CSP, and
the page accessible (axe after drawing), on a desktop and at phone width."""

import pytest

from octopus.insights.testing import write_snapshot

pytestmark = pytest.mark.django_db(transaction=True)


def _drawn(page, count):
    page.wait_for_function(f"document.querySelectorAll('[data-chart-drawn] svg').length >= {count}", timeout=30_000)
    assert page.locator("[data-chart-error]").count() == 0


def test_life_expectancy_charts_render_and_pass_axe(browser_page, make_user, tmp_path):
    write_snapshot(tmp_path / "snapshot")
    make_user("analyst", username="priya")
    browser_page.sign_in("priya")
    page = browser_page.goto("/population/life-expectancy/")
    _drawn(page, 4)
    browser_page.check_accessibility()
    current = page.locator("nav[aria-label='Population pages'] [aria-current='page']")
    assert current.inner_text() == "Life expectancy"
    assert "Slope index of inequality" in page.content()


def test_life_expectancy_at_phone_width(phone_page, make_user, tmp_path):
    write_snapshot(tmp_path / "snapshot")
    make_user("analyst", username="priya")
    phone_page.sign_in("priya")
    page = phone_page.goto("/population/life-expectancy/")
    _drawn(page, 4)
    phone_page.check_accessibility()
    widths = page.evaluate(
        "[...document.querySelectorAll('[data-chart-drawn] svg')].map(s => s.getBoundingClientRect().width)"
    )
    assert widths and all(100 < w <= 375 for w in widths), widths
