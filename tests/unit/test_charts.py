"""The chart component: specifications built from the computed (protected) rows, the table and
the CSV written from the same rows, and bad input refused with a clear message."""

import csv
import datetime as dt
import io

import altair as alt
import pytest
from django.test import RequestFactory

from octopus.core import charts, maps
from octopus.core.charts import Column, Definition

DEFINITION = Definition("Residents counted", "All residents", "Test snapshot", dt.date(2026, 11, 1))
COLUMNS = [Column("group", "Group", "text"), Column("residents", "Residents"), Column("share", "Share", "share")]
ROWS = [
    {"group": "A", "residents": 120, "share": 0.6},
    {"group": "B", "residents": None, "share": None},
    {"group": "C", "residents": 80, "share": 0.4},
]


def _figure(rows=ROWS):
    spec = alt.Chart(alt.Data(values=[{"ignored": 1}])).mark_bar().encode(x="residents:Q", y="group:N")
    return charts.chart("groups", "Residents by group", spec, rows, columns=COLUMNS, definition=DEFINITION)


def test_chart_spec_data_is_exactly_the_rows():
    figure = _figure()
    assert figure.spec["data"] == {"values": ROWS}
    assert "datasets" not in figure.spec
    assert figure.spec["width"] == "container" and figure.spec["$schema"].endswith("vega-lite/v6.json")
    assert figure.spec["encoding"]["x"]["field"] == "residents"


def test_chart_table_writes_suppressed_and_withheld():
    assert _figure().table() == [["A", "120", "60.0%"], ["B", "suppressed", "withheld"], ["C", "80", "40.0%"]]


def test_chart_csv_matches_the_table_rows():
    parsed = list(csv.reader(io.StringIO(_figure().csv())))
    assert parsed[0] == ["Group", "Residents", "Share"]
    assert parsed[1:] == [["A", "120", "0.6"], ["B", "suppressed", "withheld"], ["C", "80", "0.4"]]


def test_chart_accepts_a_dataframe_and_turns_missing_into_none():
    import pandas as pd

    frame = pd.DataFrame(
        {"group": ["A", "B"], "residents": pd.array([10, pd.NA], dtype="Int64"), "share": [0.5, float("nan")]}
    )
    figure = _figure(frame)
    assert figure.rows == [
        {"group": "A", "residents": 10, "share": 0.5},
        {"group": "B", "residents": None, "share": None},
    ]


def test_chart_refuses_rows_without_a_column():
    with pytest.raises(ValueError, match="no column share"):
        _figure([{"group": "A", "residents": 10}])


def test_chart_refuses_a_bad_key():
    with pytest.raises(ValueError, match="lower-case"):
        charts.chart("Bad Key", "t", {}, ROWS, columns=COLUMNS, definition=DEFINITION)


def test_csv_or_returns_the_named_chart_and_keeps_the_area():
    figure = _figure()
    request = RequestFactory().get("/population/", {"area": "pcn:U1", "csv": "groups"})
    response = charts.csv_or(request, [figure])
    assert response["Content-Type"].startswith("text/csv")
    assert 'filename="groups-2026-11-01.csv"' in response["Content-Disposition"]
    assert response.content.decode() == figure.csv()
    assert figure.csv_query == "?area=pcn%3AU1&csv=groups"


def test_csv_or_is_none_for_the_page():
    figure = _figure()
    assert charts.csv_or(RequestFactory().get("/population/"), [figure]) is None
    assert figure.csv_query == "?csv=groups"


def test_lsoa_map_draws_shipped_boundaries_with_the_tables_values():
    codes = sorted(maps.shipped_boundaries())[:3]
    figure = maps.lsoa_map(
        "m",
        "Test map",
        {codes[0]: 12.5, codes[1]: None, codes[2]: 3.0, "E01999999": 1.0},
        value_label="Per 1,000",
        kind="rate",
        definition=DEFINITION,
    )
    features = figure.spec["data"]["values"]["features"]
    assert [f["properties"]["value"] for f in features] == [12.5, None, 3.0]
    assert [r["value"] for r in figure.rows] == [12.5, None, 3.0, 1.0]
    assert figure.rows[0]["name"].startswith("Westminster")
    assert "1 LSOA is in the table but not drawn" in figure.summary
    assert figure.spec["layer"][1]["mark"]["type"] == "geoshape"
    assert figure.table()[1][2] == "withheld"


def test_shipped_westminster_boundaries_cover_its_lsoas():
    from octopus.reference import lsoas

    westminster = set(lsoas().query("lad24_name == 'Westminster'")["lsoa21_code"])
    assert westminster and westminster <= set(maps.shipped_boundaries())


def test_layers_without_their_own_data_draw_the_rows():
    base = alt.Chart().mark_bar().encode(x="residents:Q", y="group:N")
    other = alt.Chart(alt.Data(values=[{"x": 1}])).mark_rule().encode(x="x:Q")
    figure = charts.chart("layered", "Layered", alt.layer(other, base), ROWS, columns=COLUMNS, definition=DEFINITION)
    assert "data" not in figure.spec["layer"][1] and figure.spec["layer"][0]["data"] == {"values": [{"x": 1}]}
    assert figure.spec["data"] == {"values": ROWS}
