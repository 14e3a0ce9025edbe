"""The Population charts computed from a hand-made snapshot: values, disclosure control, CSV
downloads that match the tables, drill-down by area, and nothing identifiable."""

import csv
import datetime as dt
import io

import pandas as pd
import pytest
from django.urls import reverse

from octopus.core.maps import shipped_boundaries
from octopus.insights import cost, funnels, overview, population_map
from octopus.insights.testing import chart_tables, resident_rows, write_snapshot

pytestmark = pytest.mark.django_db
AS_OF = dt.date(2026, 11, 1)


@pytest.fixture
def analyst(client, make_user):
    user = make_user("analyst")
    client.force_login(user)
    return user


def _rows(n=600):
    lsoas = sorted(shipped_boundaries())[:12]
    rows = resident_rows(n)
    for i, row in enumerate(rows):
        row.update(
            age=(i * 7) % 95,
            sex=("female", "male")[i % 2],
            lsoa_code=lsoas[i % len(lsoas)],
            prevention_gap_count=i % 3,
            ae_attendances=i % 4,
        )
    return rows


def test_age_sex_pyramid_counts_are_protected_and_signed():
    frame = pd.DataFrame(_rows())
    figure = overview.age_sex_pyramid(chart_tables(_rows()).age_sex, AS_OF)
    # Five-year bands to 90+, worked out here from each resident's age.
    band = frame["age"].clip(upper=90).floordiv(5).map(dict(enumerate(overview.AGE_BANDS)))
    true = frame.assign(band=band).groupby(["band", "sex"]).size()
    for row in figure.rows:
        count = int(true.get((row["age_band"], row["sex"].lower()), 0))
        expected = None if 1 <= count <= 7 else (count + 2) // 5 * 5
        assert row["residents"] == expected, row
        assert row["signed"] == (None if expected is None else (-expected if row["sex"] == "Male" else expected))


def test_risk_pyramid_shares_come_from_the_published_counts():
    pyramid, _ = overview.risk_pyramid(
        chart_tables(_rows()).bands,
        {1: "Very high", 2: "High", 3: "Raised", 4: "Moderate", 5: "Low", 6: "Lowest"},
        AS_OF,
    )
    very_high = pyramid.rows[0]
    assert very_high["band"] == "1. Very high" and very_high["residents"] is None and very_high["cost_share"] is None
    shown = [r for r in pyramid.rows if r["residents"] is not None]
    assert all(r["residents"] % 5 == 0 for r in shown)
    # Shares are of the published total (600 rounds to 600), so they give back only rounded counts.
    for r in shown:
        assert r["residents_share"] == r["residents"] / 600


def test_lorenz_thresholds_from_the_data():
    # 100 residents: 10 cost 90 each (900), 90 cost 1 each (90): total 990.
    costs = pd.Series([90.0] * 10 + [1.0] * 90)
    points, reached = cost.lorenz(costs)
    assert points[0] == {"residents_share": 0.0, "cost_share": 0.0} and points[-1]["cost_share"] == pytest.approx(1.0)
    # 50% of 990 is 495: the 6th costliest resident reaches it (540), published rounded to 5.
    assert reached[0.5] == pytest.approx(5 / 100)
    # 80% is 792: the 9th (810), rounded to 10.
    assert reached[0.8] == pytest.approx(10 / 100)
    # Each step covers at least eight residents.
    steps = [
        round(b["residents_share"] * 100) - round(a["residents_share"] * 100)
        for a, b in zip(points, points[1:], strict=False)
    ]
    assert min(steps[:-1]) >= cost.MIN_PER_STEP


def test_lorenz_not_drawn_for_a_small_area():
    assert cost.lorenz(pd.Series([5.0] * 50)) is None


def test_funnel_points_use_published_counts_and_list_outliers():
    figure, outliers, overdispersed = funnels.practice_funnel(
        chart_tables(_rows()).bands, "top-bands", None, {}, AS_OF, "all practices"
    )
    assert {r["code"] for r in figure.rows} == {"E87001", "E87002", "E87003"}
    for r in figure.rows:
        assert r["denominator"] % 5 == 0 and (
            r["proportion"] is None or r["proportion"] == r["numerator"] / r["denominator"]
        )
    limits = figure.spec["layer"][0]["data"]["values"]
    assert {x["line"] for x in limits} == {"95% limits", "99.8% limits"}
    assert outliers == [r for r in figure.rows if r["position"] != "within limits"]
    assert overdispersed is False


def test_funnel_restricted_to_the_peer_group():
    frame = chart_tables(_rows()).bands
    figure, _, _ = funnels.practice_funnel(frame, "emergency-admission", {"E87001", "E87002"}, {}, AS_OF, "two")
    assert {r["code"] for r in figure.rows} == {"E87001", "E87002"}
    assert funnels.practice_funnel(frame, "top-bands", {"E87001"}, {}, AS_OF, "one")[0] is None


def test_map_rates_are_from_published_counts():
    frame = pd.DataFrame(_rows())
    figure = population_map.indicator_map(chart_tables(_rows()).bands, "high-risk", AS_OF)
    grouped = frame.groupby("lsoa_code").agg(
        residents=("person_id", "size"), hit=("risk_band", lambda b: int(b.isin((1, 2, 3)).sum()))
    )
    for row in figure.rows:
        residents, hit = int(grouped.loc[row["lsoa"], "residents"]), int(grouped.loc[row["lsoa"], "hit"])
        published = [None if 1 <= v <= 7 else (v + 2) // 5 * 5 for v in (residents, hit)]
        expected = None if None in published or not published[0] else published[1] / published[0] * 1000
        assert row["value"] == expected
    imd = population_map.indicator_map(chart_tables(_rows()).bands, "imd", AS_OF)
    assert all(isinstance(r["value"], int) and 1 <= r["value"] <= 10 for r in imd.rows)


@pytest.mark.parametrize(
    "page, key",
    [
        ("insights:index", "risk-pyramid"),
        ("insights:index", "age-sex"),
        ("insights:cost", "lorenz-total"),
        ("insights:cost", "lorenz-hospital"),
        ("insights:cost", "cost-band"),
        ("insights:capitation", "capitation"),
        ("insights:practices", "funnel-top-bands"),
        ("insights:population_map", "map-imd"),
    ],
)
def test_csv_download_matches_the_page_table(client, analyst, tmp_path, page, key):
    write_snapshot(tmp_path / "snapshot", _rows())
    url = reverse(page) + ("?peers=all" if page == "insights:practices" else "")
    html = client.get(url).content.decode()
    assert f'id="chart-{key}"' in html and f"csv={key}" in html
    response = client.get(url + ("&" if "?" in url else "?") + f"csv={key}")
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    table = list(csv.reader(io.StringIO(response.content.decode())))
    assert len(table) > 1 and all(len(r) == len(table[0]) for r in table)
    for cell in table[0]:
        assert f">{cell}</th>" in html
    body = response.content.decode()
    assert "T00001" not in body and "person_id" not in body


def test_hospital_cost_curve_from_its_own_column(client, analyst, tmp_path):
    rows = _rows()
    write_snapshot(tmp_path / "snapshot", rows)
    frame = pd.DataFrame(rows)
    figure, reached = cost.lorenz_chart(chart_tables(rows).cost_distribution("hospital_cost"), AS_OF, "hospital_cost")
    assert figure.key == "lorenz-hospital" and reached == cost.lorenz(frame["hospital_cost"])[1]
    assert reached != cost.lorenz(frame["prior_cost"])[1]
    html = client.get(reverse("insights:cost")).content.decode()
    assert "Hospital cost alone" in html and 'id="chart-lorenz-hospital"' in html


def test_snapshot_without_hospital_cost_says_so(client, analyst, tmp_path):
    write_snapshot(tmp_path / "snapshot", [{k: v for k, v in r.items() if k != "hospital_cost"} for r in _rows()])
    html = client.get(reverse("insights:cost")).content.decode()
    assert "published before hospital cost" in html and 'id="chart-lorenz-hospital"' not in html
    assert 'id="chart-lorenz-total"' in html


def test_unknown_csv_or_area_is_not_found(client, analyst, tmp_path):
    write_snapshot(tmp_path / "snapshot", _rows())
    assert client.get(reverse("insights:index") + "?csv=nope").status_code == 404
    assert client.get(reverse("insights:index") + "?area=pcn:NOPE").status_code == 404
    assert client.get(reverse("insights:population_map") + "?indicator=nope").status_code == 404


def test_practice_drill_down_counts_only_its_residents(client, analyst, tmp_path):
    from octopus.directory.models import GPPractice

    GPPractice.objects.create(ods_code="E87001", name="TEST PRACTICE", postcode="W1 1AA")
    write_snapshot(tmp_path / "snapshot", _rows())
    response = client.get(reverse("insights:index") + "?area=practice:E87001&csv=risk-pyramid")
    rows = list(csv.DictReader(io.StringIO(response.content.decode())))
    published = [int(r["Residents"]) for r in rows if r["Residents"] not in ("suppressed",)]
    assert sum(published) <= 200 + 5 * len(rows)  # a third of the 600 residents, not all of them
    html = client.get(reverse("insights:index") + "?area=practice:E87001").content.decode()
    assert "Practice: Test Practice" in html


def test_trends_read_every_snapshot_kept(client, analyst, tmp_path):
    write_snapshot(
        tmp_path / "snapshots" / "old", _rows(400), run_id="20261001T000000Z-old", as_of=dt.date(2026, 10, 1)
    )
    write_snapshot(
        tmp_path / "snapshots" / "new", _rows(600), run_id="20261101T000000Z-new", as_of=dt.date(2026, 11, 1)
    )
    response = client.get(reverse("insights:index") + "?csv=trend-activity")
    rows = list(csv.DictReader(io.StringIO(response.content.decode())))
    assert [r["Snapshot as of"] for r in rows] == ["2026-10-01", "2026-11-01"]
    assert [int(r["Residents"]) for r in rows] == [400, 600]


def test_pages_read_the_snapshots_chart_tables(client, analyst, tmp_path):
    from octopus.insights import chart_data

    write_snapshot(tmp_path / "snapshot", _rows())
    assert chart_data.tables(tmp_path / "snapshot", set()).precomputed
    html = client.get(reverse("insights:cost")).content.decode()
    assert 'id="chart-lorenz-total"' in html and "before the pipeline pre-aggregated" not in html


def test_snapshot_without_chart_tables_gives_the_same_figures_and_says_how_to_speed_up(client, analyst, tmp_path):
    write_snapshot(tmp_path / "with", _rows(), run_id="20261101T000000Z-with")
    with_tables = client.get(reverse("insights:index") + "?csv=risk-pyramid").content
    write_snapshot(tmp_path / "without", _rows(), run_id="20261102T000000Z-without", chart_tables=False)
    html = client.get(reverse("insights:index")).content.decode()
    assert "before the pipeline pre-aggregated" in html and "octopus pipeline run" in html
    assert client.get(reverse("insights:index") + "?csv=risk-pyramid").content == with_tables
