"""The Population pages: disclosure control, the stale-snapshot warning, the model card and
calibration plot, and that nothing identifiable appears."""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from octopus.core.disclosure import is_small
from octopus.governance.consent import record_objection
from octopus.insights import figures
from octopus.insights.testing import chart_tables, resident_rows, write_snapshot
from octopus.publish.scores import band_names
from octopus.residents.factories import make_resident

pytestmark = pytest.mark.django_db

PAGES = [
    "insights:index",
    "insights:cohorts",
    "insights:deprivation",
    "insights:inequality",
    "insights:practices",
    "insights:model_card",
]


@pytest.fixture
def analyst(client, make_user):
    user = make_user("analyst")
    client.force_login(user)
    return user


def test_pyramid_band_with_three_residents_is_suppressed():
    rows, totals = figures.pyramid(chart_tables(resident_rows(400, very_high=3)).bands, band_names())
    very_high = rows[0]
    assert very_high.band == 1 and very_high.residents is None and very_high.cost_share is None
    assert all(r.residents is None or r.residents % 5 == 0 for r in rows)
    assert totals["residents"] is None or totals["residents"] % 5 == 0
    # the total cannot give the suppressed band back: at least one other band is hidden too
    assert sum(r.residents is None for r in rows) >= 2 or totals["residents"] is None


def test_index_shows_suppressed_band_and_no_identifiers(client, analyst, tmp_path):
    write_snapshot(tmp_path / "snap")
    resident = make_resident(given_name="Winifred", family_name="Quartermaine")
    response = client.get(reverse("insights:index"))
    html = response.content.decode()
    assert response.status_code == 200
    assert "1. Very high" in html and "suppressed" in html
    assert "20261101T000000Z-test" in html
    for page in PAGES:
        body = client.get(reverse(page)).content.decode()
        assert "Quartermaine" not in body and resident.nhs_number not in body and "T00001" not in body
        assert "nhsuk-details" in body  # every figure has a definition to open


@pytest.mark.clock
def test_stale_snapshot_warns(client, analyst, tmp_path, settings):
    settings.OCTOPUS_SNAPSHOT_STALE_DAYS = 7
    write_snapshot(tmp_path / "snap", as_of=timezone.localdate() - dt.timedelta(days=30))
    assert "This snapshot is out of date" in client.get(reverse("insights:index")).content.decode()


@pytest.mark.clock
def test_recent_snapshot_does_not_warn(client, analyst, tmp_path):
    write_snapshot(tmp_path / "snap", as_of=timezone.localdate() - dt.timedelta(days=1))
    assert "out of date" not in client.get(reverse("insights:index")).content.decode()


def test_pages_without_a_snapshot_say_how_to_make_one(client, analyst):
    for page in PAGES:
        assert "No population snapshot has been published yet" in client.get(reverse(page)).content.decode()
    assert client.get(reverse("insights:calibration")).status_code == 404


def test_model_card_is_rendered_safely_with_the_calibration_plot(client, analyst, tmp_path):
    write_snapshot(tmp_path / "snap")
    html = client.get(reverse("insights:model_card")).content.decode()
    assert '<table class="nhsuk-table">' in html and f'src="{reverse("insights:calibration")}"' in html
    assert "<script>alert(1)</script>" not in html
    plot = client.get(reverse("insights:calibration"))
    assert plot.status_code == 200 and plot["Content-Type"] == "image/png"


def test_cohorts_page_counts_protected_and_excludes_objectors(client, analyst, tmp_path):
    rows = resident_rows(400, very_high=3)
    write_snapshot(tmp_path / "snap", rows)
    members = sum(r["risk_band"] <= 3 for r in rows)
    html = client.get(reverse("insights:cohorts")).content.decode()
    assert "WELC target population" in html
    objector = make_resident(person_id="T00000")
    record_objection(actor=None, resident=objector, kind="national_data_opt_out")
    cohorts = figures.cohorts(tmp_path / "snap", {"T00000"})
    assert cohorts[0]["size"] == (None if is_small(members - 1) else (members - 1 + 2) // 5 * 5)


def test_inequality_page_has_slope_index(client, analyst, tmp_path):
    write_snapshot(tmp_path / "snap")
    html = client.get(reverse("insights:inequality"), {"indicator": "ae_attendances"}).content.decode()
    assert "Slope index of inequality" in html and "most deprived end" in html
    assert "Age-standardised" in html and "relative index of inequality" in html


def test_inequality_page_every_indicator_and_breakdown(client, analyst, tmp_path):
    from django.utils.html import escape

    from octopus.population.inequalities import BREAKDOWNS, INDICATORS

    write_snapshot(tmp_path / "snap")
    for indicator in INDICATORS:
        for breakdown, _title in BREAKDOWNS:
            response = client.get(reverse("insights:inequality"), {"indicator": indicator.name, "breakdown": breakdown})
            assert response.status_code == 200
            assert escape(indicator.title) in response.content.decode()


def test_inequality_csv_has_the_table_and_sii(client, analyst, tmp_path):
    write_snapshot(tmp_path / "snap")
    response = client.get(
        reverse("insights:inequality"), {"indicator": "bowel_screening", "breakdown": "imd_quintile", "format": "csv"}
    )
    assert response["Content-Type"].startswith("text/csv")
    lines = response.content.decode().splitlines()
    assert lines[0].startswith("indicator,breakdown,group,numerator,denominator")
    assert any("1 (most deprived)" in line for line in lines)
    assert any(line.split(",")[1] == "SII (most minus least deprived)" for line in lines)


def test_inequality_chart_draws_the_tables_values_with_their_intervals(client, analyst, tmp_path):
    """The chart is the table's protected rows: each drawn group's value and interval equal the
    table's, suppressed groups are not drawn, and its CSV gives the same rows."""
    import csv as csv_module
    import io
    import json
    import re

    from octopus.insights import inequalities
    from octopus.insights.current import Current

    write_snapshot(tmp_path / "snap")
    query = {"indicator": "ae_attendances", "breakdown": "imd_quintile"}
    html = client.get(reverse("insights:inequality"), query).content.decode()
    spec = json.loads(
        re.search(r'<script id="chart-spec-inequality" type="application/json">(.*?)</script>', html, re.S).group(1)
    )
    current = Current()
    view = inequalities.indicator_view(
        inequalities.current_counts(current.folder, set()), "ae_attendances", "imd_quintile", {}
    )
    expected = [r for r in view.chart_rows() if r["value"] is not None]
    drawn = spec["data"]["values"]
    assert [(d["group"], d["value"], d["lower"], d["upper"]) for d in drawn] == [
        (e["group"], e["value"], e["lower"], e["upper"]) for e in expected
    ]
    assert all(d["lower"] <= d["value"] <= d["upper"] for d in drawn)
    rows = list(
        csv_module.DictReader(
            io.StringIO(client.get(reverse("insights:inequality"), {**query, "csv": "inequality"}).content.decode())
        )
    )
    assert [row[next(iter(row))] for row in rows] == [d["group"] for d in drawn]


def test_inequality_unknown_indicator_is_404(client, analyst, tmp_path):
    write_snapshot(tmp_path / "snap")
    assert client.get(reverse("insights:inequality"), {"indicator": "nonsense"}).status_code == 404


def test_inequality_counts_leave_out_residents_who_objected_after_the_snapshot(client, analyst, tmp_path):
    from octopus.insights import inequalities

    write_snapshot(tmp_path / "snap")
    counts = inequalities.snapshot_counts(tmp_path / "snap")
    objector = make_resident(person_id="T00010")
    record_objection(actor=None, resident=objector, kind="national_data_opt_out")
    after = inequalities.without(counts, tmp_path / "snap", {"T00010"})

    def residents(frame):
        rows = frame[(frame.indicator == "emergency_admissions") & (frame.breakdown == "sex")]
        return int(rows["denominator"].sum())

    assert residents(after) == residents(counts) - 1


def test_practice_variation_lists_practices_with_limits(client, analyst, tmp_path):
    write_snapshot(tmp_path / "snap")
    html = client.get(reverse("insights:practices")).content.decode()
    assert "E87001" in html and "99.8% limits" in html


def test_deprivation_rows_are_protected_as_one_table():
    rows = figures.deprivation(chart_tables(resident_rows(400)).deprivation)
    assert [r["decile"] for r in rows] == list(range(1, 11))
    assert all(v is None or v % 5 == 0 for r in rows for v in (r["residents"], r["top_bands"]))
