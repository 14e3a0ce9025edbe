"""Capitation: the need-weighted allocation shares the whole budget by rounded, weighted counts,
the weights shown are the ones used and can be changed, and bad input is named."""

import csv
import datetime as dt
import io

import pandas as pd
import pytest
from django.urls import reverse

from octopus.insights import capitation
from octopus.insights.testing import chart_tables, resident_rows, write_snapshot

pytestmark = pytest.mark.django_db
AS_OF = dt.date(2026, 11, 1)


def _frame(rows):
    return pd.DataFrame(rows)


def test_allocation_adds_up_and_follows_the_weights():
    rows = resident_rows(600)  # practices E87001-3 in turn; 3 residents in band 1
    unit_map = capitation.units("pcn", [("North", "E87001"), ("North", "E87002"), ("South", "E87003")])
    weights = {1: 0.0, 2: 1.0, 3: 3.0, 4: 1.0, 5: 1.0, 6: 1.0}
    result = {r["unit"]: r for r in capitation.allocate(chart_tables(rows).bands, unit_map, weights, 1_200.0)}
    assert set(result) == {"North", "South"}
    assert sum(r["allocation"] for r in result.values()) == pytest.approx(1_200.0)
    # Worked by hand from the counts rounded to 5 per unit and band.
    frame = _frame(rows).assign(
        unit=lambda f: f["practice_ods_code"].map({"E87001": "North", "E87002": "North", "E87003": "South"})
    )
    counts = frame.groupby(["unit", "risk_band"]).size()
    weighted = {
        u: sum((int(n) + 2) // 5 * 5 * weights[b] for (v, b), n in counts.items() if v == u) for u in ("North", "South")
    }
    assert result["North"]["allocation"] == pytest.approx(1_200.0 * weighted["North"] / sum(weighted.values()))
    assert result["North"]["residents"] == 400 and result["South"]["residents"] == 200
    assert result["South"]["per_head_allocation"] == pytest.approx(400.0)


def test_unregistered_and_unlisted_residents_are_not_dropped():
    rows = resident_rows(300)
    for row in rows[:30]:
        row["registered"] = False
    unit_map = capitation.units("pcn", [("North", "E87001")])
    result = {
        r["unit"]: r
        for r in capitation.allocate(chart_tables(rows).bands, unit_map, {b: 1.0 for b in range(1, 7)}, 100.0)
    }
    assert set(result) == {"North", capitation.NOT_IN_ANY}
    assert sum(r["allocation"] for r in result.values()) == pytest.approx(100.0)


def test_a_practice_in_two_neighbourhoods_counts_once():
    unit_map = capitation.units("neighbourhood", [("B", "E87001"), ("A", "E87001"), ("B", "E87002")])
    assert unit_map.of_practice == {"E87001": "A", "E87002": "B"}
    assert unit_map.shared == {"E87001": ["A", "B"]}


def test_default_weights_are_relative_cost_per_resident():
    frame = chart_tables(
        [
            {"person_id": str(i), "risk_band": b, "prior_cost": c}
            for i, (b, c) in enumerate([(1, 300.0), (1, 300.0), (2, 100.0), (2, 100.0)])
        ]
    )
    assert capitation.default_weights(frame.bands, [1, 2, 3]) == {1: 1.5, 2: 0.5, 3: 1.0}


@pytest.mark.parametrize(
    "query, field",
    [
        ({"budget": "lots"}, "budget"),
        ({"budget": "-5"}, "budget"),
        ({"w2": "x"}, "w2"),
        ({"w3": "-1"}, "w3"),
        ({"w1": "inf"}, "w1"),
    ],
)
def test_bad_budget_or_weight_is_named(query, field):
    with pytest.raises(capitation.BadChoice) as raised:
        capitation.parse_budget(query.get("budget"))
        capitation.parse_weights(query, {1: 1.0, 2: 1.0, 3: 1.0}, {1: "Very high", 2: "High", 3: "Raised"})
    assert raised.value.field == field


def test_all_weights_zero_is_refused():
    with pytest.raises(capitation.BadChoice, match="at least one band"):
        capitation.parse_weights({"w1": "0", "w2": "0"}, {1: 1.0, 2: 1.0}, {})


@pytest.fixture
def analyst(client, make_user):
    client.force_login(make_user("analyst"))


@pytest.fixture
def pcns():
    from octopus.directory.models import PCN, GPPractice

    north = PCN.objects.create(code="U00001", name="NORTH PCN", sub_icb_code="X", icb_code="Y")
    south = PCN.objects.create(code="U00002", name="SOUTH PCN", sub_icb_code="X", icb_code="Y")
    for code, pcn in (("E87001", north), ("E87002", north), ("E87003", south)):
        GPPractice.objects.create(ods_code=code, name=f"PRACTICE {code}", postcode="W1 1AA", pcn=pcn)


def test_page_uses_the_weights_given_and_its_csv_matches(client, analyst, pcns, tmp_path):
    write_snapshot(tmp_path / "snapshot", resident_rows(600), as_of=AS_OF)
    url = reverse("insights:capitation") + "?budget=900000&w1=0&w2=2&w3=2&w4=1&w5=1&w6=1"
    html = client.get(url).content.decode()
    assert "North Pcn" in html and 'value="2.0"' in html and "× 2" in html
    response = client.get(url + "&csv=capitation")
    rows = list(csv.DictReader(io.StringIO(response.content.decode())))
    assert [r["PCN"] for r in rows] == ["North Pcn", "South Pcn"]
    assert sum(float(r["Allocation weighted by need"]) for r in rows) == pytest.approx(900_000, abs=0.01)
    assert all(f">{label}</th>" in html for label in rows[0])


def test_page_names_a_bad_weight_and_still_shows_figures(client, analyst, pcns, tmp_path):
    write_snapshot(tmp_path / "snapshot", resident_rows(600), as_of=AS_OF)
    html = client.get(reverse("insights:capitation") + "?w2=lots").content.decode()
    assert "nhsuk-error-summary" in html and "Weight for band 2" in html and 'id="chart-capitation"' in html
    assert client.get(reverse("insights:capitation") + "?by=ward").status_code == 404
