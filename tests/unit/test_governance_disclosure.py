"""Disclosure control (octopus.core.disclosure): small counts suppressed, the rest rounded, and no
suppressed cell recoverable from what is published beside it."""

from fractions import Fraction

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from octopus.core import disclosure
from octopus.core.disclosure import (
    OPENSAFELY,
    DisclosureRules,
    protect_counts,
    protect_dataframe,
    protect_table,
)


@pytest.mark.parametrize(
    ("count", "published"), [(0, 0), (1, None), (7, None), (8, 10), (12, 10), (13, 15), (100, 100)]
)
def test_opensafely_rules_for_single_counts(count, published):
    assert disclosure.publish_count(count) == published


def test_rules_are_configurable():
    rules = DisclosureRules(suppress_up_to=4, round_to=10, suppress_zero=True)
    assert disclosure.publish_count(0, rules) is None
    assert disclosure.publish_count(5, rules) == 10
    assert disclosure.publish_count(44, rules) == 40
    with pytest.raises(ValueError):
        DisclosureRules(round_to=0)


def test_negative_counts_are_an_error():
    with pytest.raises(ValueError, match="negative"):
        disclosure.is_small(-1)


def test_a_single_small_cell_is_hidden_behind_a_rectangle():
    table = protect_table([[3, 20, 30], [40, 50, 60]])
    assert table.cells == [[None, None, 30], [None, None, 60]]
    assert table.row_totals == [55, 150] and table.column_totals == [45, 70, 90] and table.grand_total == 205
    assert table.reasons[0][0] == "primary" and table.reasons[1][1] == "secondary"


def test_one_way_counts_with_total_get_a_second_suppression():
    result = protect_counts({"Frail": 3, "Healthy": 40, "Cancer": 55})
    assert result == {"values": {"Frail": None, "Healthy": None, "Cancer": 55}, "total": 100}


def test_one_way_counts_without_total_need_no_secondary_suppression():
    assert protect_counts([3, 40, 55], total=False) == {"values": [None, 40, 55], "total": None}


def test_dataframe_gets_totals_and_na_for_suppressed():
    frame = pd.DataFrame([[3, 20], [40, 50]], index=["Band 1", "Band 2"], columns=["Female", "Male"])
    result = protect_dataframe(frame)
    assert list(result.columns) == ["Female", "Male", "Total"]
    assert list(result.index) == ["Band 1", "Band 2", "Total"]
    assert result.loc["Band 1", "Female"] is pd.NA
    assert result.loc["Total", "Total"] == 115
    assert str(result.dtypes.iloc[0]) == "Int64"


def test_empty_table():
    assert protect_table([]).cells == []
    assert protect_counts({}) == {"values": {}, "total": 0}


def test_ragged_table_is_an_error():
    with pytest.raises(ValueError, match="same number"):
        protect_table([[1, 2], [3]])


# --- generative: nothing suppressed can be worked out ---------------------------------------


def _determined(equations, unknowns):
    """Independent of the module: exact Gaussian elimination over the rationals. A suppressed
    entry is determined iff its unit vector lies in the row space of the equations."""
    index = {cell: k for k, cell in enumerate(unknowns)}
    rows = []
    for equation in equations:
        row = [Fraction(0)] * len(unknowns)
        for i, j, c in equation:
            if (i, j) in index:
                row[index[(i, j)]] += c
        if any(row):
            rows.append(row)
    # Reduced row echelon form.
    pivots, r = [], 0
    for col in range(len(unknowns)):
        pivot = next((k for k in range(r, len(rows)) if rows[k][col] != 0), None)
        if pivot is None:
            continue
        rows[r], rows[pivot] = rows[pivot], rows[r]
        rows[r] = [v / rows[r][col] for v in rows[r]]
        for k in range(len(rows)):
            if k != r and rows[k][col] != 0:
                factor = rows[k][col]
                rows[k] = [a - factor * b for a, b in zip(rows[k], rows[r], strict=True)]
        pivots.append(col)
        r += 1
    # In RREF, x_col is determined iff its pivot row has no other non-zero entry.
    determined = set()
    for k, col in enumerate(pivots):
        if all(v == 0 for c, v in enumerate(rows[k]) if c != col):
            determined.add(unknowns[col])
    return determined


small_heavy = st.one_of(st.integers(0, 9), st.integers(0, 60))
tables = st.integers(1, 5).flatmap(
    lambda cols: st.lists(st.lists(small_heavy, min_size=cols, max_size=cols), min_size=1, max_size=5)
)


@settings(max_examples=150, deadline=None)
@given(tables, st.booleans(), st.booleans())
def test_no_suppressed_cell_can_be_recovered_from_published_totals(table, row_totals, column_totals):
    result = protect_table(table, row_totals=row_totals, column_totals=column_totals)
    suppressed = sorted((i, j) for i, row in enumerate(result.reasons) for j, reason in enumerate(row) if reason)
    equations = disclosure._equations(len(table), len(table[0]), row_totals, column_totals)
    assert not _determined(equations, suppressed), f"recoverable cells in {table}: {result.reasons}"


@settings(max_examples=150, deadline=None)
@given(tables)
def test_published_values_are_never_small_and_always_rounded(table):
    result = protect_table(table)
    published = (
        [v for row in result.cells for v in row] + result.row_totals + result.column_totals + [result.grand_total]
    )
    for value in published:
        if value is not None:
            assert value == 0 or value > OPENSAFELY.suppress_up_to
            assert value % OPENSAFELY.round_to == 0


@settings(max_examples=100, deadline=None)
@given(tables)
def test_every_small_count_is_suppressed(table):
    result = protect_table(table)
    for i, row in enumerate(table):
        for j, value in enumerate(row):
            if 1 <= value <= 7:
                assert result.cells[i][j] is None
