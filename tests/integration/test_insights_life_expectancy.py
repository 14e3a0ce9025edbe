"""The Life expectancy page: estimates by decile and sex, the gap and its slope index with their
trend, the decomposition, disclosure of the deaths behind them, CSVs and the area drill-down."""

import csv
import io
from pathlib import Path

import pandas as pd
import pytest
from django.urls import reverse

from octopus.insights import life_expectancy
from octopus.insights.testing import life_expectancy_rows, write_snapshot
from octopus.stats import life_expectancy as stats_life_expectancy

pytestmark = pytest.mark.django_db


@pytest.fixture
def analyst(client, make_user):
    user = make_user("analyst")
    client.force_login(user)
    return user


@pytest.fixture
def snapshot(tmp_path):
    return write_snapshot(tmp_path / "snap")


def test_page_is_in_the_population_navigation(client, analyst, snapshot):
    html = client.get(reverse("insights:index")).content.decode()
    assert reverse("insights:life_expectancy") in html and "Life expectancy" in html


def test_headline_gap_and_slope_index_by_sex(client, analyst, snapshot):
    html = client.get(reverse("insights:life_expectancy")).content.decode()
    assert "Life expectancy and the gap" in html
    assert "Slope index of inequality" in html and "least deprived decile with an estimate (decile 9)" in html
    for chart_id in ("chart-le-decile", "chart-le-trend", "chart-le-gap-cause", "chart-le-gap-age"):
        assert chart_id in html
    # Decile 10 has 30 residents a band: 1,800 person-years, below the 5,000 needed.
    assert "too few residents to estimate" in html


def test_decile_csv_values_are_the_life_tables(client, analyst, snapshot):
    response = client.get(reverse("insights:life_expectancy"), {"csv": "le-decile"})
    rows = list(csv.DictReader(io.StringIO(response.content.decode())))
    decile_one = next(r for r in rows if r["Sex"] == "Females" and r["IMD decile"] == "1")
    # The same figure straight from octopus.stats on the same counts (3 latest periods pooled).
    frame = pd.DataFrame(life_expectancy_rows(snapshot.as_of))
    latest = sorted(frame["period_end"].unique())[-3:]
    chosen = frame[frame["period_end"].isin(latest) & (frame["sex"] == "female") & (frame["imd_decile"] == 1)]
    bands = chosen.groupby("start_age")[["population", "deaths"]].sum()
    (value, lower, upper), (at_65, _, _) = stats_life_expectancy([0, 65], bands["population"], bands["deaths"])
    assert float(decile_one["Life expectancy (years)"]) == pytest.approx(round(value, 1))
    assert float(decile_one["Lower 95% limit"]) == pytest.approx(round(lower, 1))
    assert float(decile_one["Life expectancy at 65 (years)"]) == pytest.approx(round(at_65, 1))
    # Deaths behind the figure, rounded to 5.
    assert int(decile_one["Deaths"]) % 5 == 0
    assert abs(int(decile_one["Deaths"]) - int(bands["deaths"].sum())) <= 2
    decile_ten = next(r for r in rows if r["Sex"] == "Males" and r["IMD decile"] == "10")
    assert decile_ten["Life expectancy (years)"] == "withheld" and "too few residents" in decile_ten["Note"]


def test_gap_and_slope_index_point_the_right_way(snapshot):
    frame = life_expectancy.counts(Path(snapshot.manifest["snapshot_dir"]))
    shown = life_expectancy.page(frame, snapshot.as_of)
    for item in shown.latest:
        # Death rates twice as high in decile 1 as in decile 9: the least deprived live longer.
        assert item.gap > 3 and item.sii > 3 and item.sii_lower < item.sii < item.sii_upper
        assert item.gap_deciles == (1, 9)
    # Two 3-year windows from 4 periods: a trend of two points per sex.
    assert len(shown.history) == 4
    for part in shown.decompositions:
        assert (part.most, part.least) == (1, 5)
        total = sum(row["years"] for row in part.by_cause)
        assert total == pytest.approx(part.gap, abs=0.05)
        # Bands resting on 1-7 deaths (here 45-64) are withheld, with their deaths suppressed;
        # the published bands carry most of the gap, the oldest the most.
        withheld = [row for row in part.by_band if row["years"] is None]
        assert withheld and all(row["deaths"] is None for row in withheld)
        published = [row["years"] for row in part.by_band if row["years"] is not None]
        assert 0.8 * part.gap < sum(published) <= part.gap + 0.05


def test_decomposition_csv_by_cause(client, analyst, snapshot):
    response = client.get(reverse("insights:life_expectancy"), {"csv": "le-gap-cause"})
    rows = list(csv.DictReader(io.StringIO(response.content.decode())))
    causes = {r["Broad cause"] for r in rows}
    assert "Circulatory (I00-I99)" in causes and "Cancer (C00-D48)" in causes
    circulatory = next(r for r in rows if r["Sex"] == "Females" and r["Broad cause"].startswith("Circulatory"))
    assert float(circulatory["Years of the gap"]) > 0 and circulatory["Gap between"] == "quintiles 1 and 5"


def test_an_area_with_too_few_deaths_says_so(client, analyst, snapshot):
    frame = life_expectancy.counts(Path(snapshot.manifest["snapshot_dir"]))
    only_decile_ten = frame[frame["imd_decile"] == 10]
    shown = life_expectancy.page(only_decile_ten, snapshot.as_of)
    assert all(item.gap is None and item.sii is None for item in shown.latest)
    assert shown.decompositions == []


def test_snapshot_without_counts_asks_for_a_new_run(client, analyst, snapshot):
    (Path(snapshot.manifest["snapshot_dir"]) / "life_expectancy.parquet").unlink()
    html = client.get(reverse("insights:life_expectancy")).content.decode()
    assert "made before life expectancy was added" in html


def test_unknown_area_is_404(client, analyst, snapshot):
    assert client.get(reverse("insights:life_expectancy"), {"area": "pcn:NOPE"}).status_code == 404
