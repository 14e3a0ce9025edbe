"""Charts and maps in a real browser: drawn by the vendored Vega under the strict CSP (no
'unsafe-eval'; the browser_page fixture fails on any CSP violation), and accessible (axe after
drawing), on a desktop and at phone width."""

import pytest

from octopus.core.maps import shipped_boundaries
from octopus.insights.testing import resident_rows, write_snapshot

pytestmark = pytest.mark.django_db(transaction=True)


def _rows():
    lsoas = sorted(shipped_boundaries())[:12]
    rows = resident_rows(600)
    for i, row in enumerate(rows):
        row.update(
            age=(i * 7) % 95,
            sex=("female", "male")[i % 2],
            lsoa_code=lsoas[i % len(lsoas)],
            prevention_gap_count=i % 3,
            ae_attendances=i % 4,
        )
    return rows


def _drawn(page, count):
    page.wait_for_function(f"document.querySelectorAll('[data-chart-drawn] svg').length >= {count}", timeout=20_000)
    assert page.locator("[data-chart-error]").count() == 0


@pytest.mark.parametrize(
    "path, charts",
    [
        ("/population/", 6),
        ("/population/cost/", 3),
        ("/population/practices/?peers=all", 1),
        ("/population/map/?indicator=high-risk", 1),
        ("/population/map/", 1),
        ("/population/inequality/?indicator=ae_attendances&breakdown=imd_quintile", 1),
    ],
)
def test_population_charts_render_without_csp_violation(browser_page, make_user, tmp_path, path, charts):
    write_snapshot(tmp_path / "snapshot", _rows())
    make_user("analyst", username="priya")
    browser_page.sign_in("priya")
    page = browser_page.goto(path)
    _drawn(page, charts)
    browser_page.check_accessibility()  # again, now the SVGs are in the page


def test_map_draws_one_shape_per_lsoa_at_phone_width(phone_page, make_user, tmp_path):
    write_snapshot(tmp_path / "snapshot", _rows())
    make_user("analyst", username="priya")
    phone_page.sign_in("priya")
    page = phone_page.goto("/population/map/?indicator=high-risk")
    _drawn(page, 1)
    phone_page.check_accessibility()
    # Two layers: every LSOA in grey, then the coloured ones with a figure.
    assert page.locator("#chart-map-high-risk svg path[aria-roledescription='geoshape']").count() >= 12
    width = page.evaluate("document.querySelector('#chart-map-high-risk svg').getBoundingClientRect().width")
    assert 200 < width <= 375


def test_overview_charts_fit_a_phone(phone_page, make_user, tmp_path):
    write_snapshot(tmp_path / "snapshot", _rows())
    make_user("analyst", username="priya")
    phone_page.sign_in("priya")
    page = phone_page.goto("/population/")
    _drawn(page, 6)
    phone_page.check_accessibility()
    widths = page.evaluate(
        "[...document.querySelectorAll('[data-chart-drawn] svg')].map(s => s.getBoundingClientRect().width)"
    )
    assert widths and all(100 < w <= 375 for w in widths), widths
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
