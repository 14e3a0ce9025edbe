"""Spec: use of hospital services before and after each person's own index date
(``population.impact.use_around``), identical on DuckDB and Spark."""

import datetime as dt

import ibis
import pandas as pd
import pytest

from octopus.population import engines
from octopus.population.impact import columns, use_around
from octopus.population.linked import read_linked
from octopus.population.testing import write_linked

PERSONS = """
    person_id | date_of_birth
    p1        | 1940-01-01
    p2        | 1950-01-01
    p3        | 1960-01-01
"""
# p1 taken on 2025-01-01; p2 compared from 2025-06-01; p3 has no activity at all.
APC = """
    person_id | admission_date | discharge_date | admission_method
    p1        | 2024-12-25     | 2025-01-03     | emergency
    p1        | 2024-03-01     | 2024-03-05     | emergency
    p1        | 2024-08-01     | 2024-08-02     | elective
    p1        | 2025-05-01     | 2025-05-04     | emergency
    p1        | 2025-12-31     | 2026-01-10     | emergency
    p2        | 2025-06-01     | 2025-06-02     | emergency
    p2        | 2025-09-01     |                | emergency
"""
AE = """
    person_id | arrival_datetime
    p1        | 2025-01-01T08:00:00
    p1        | 2025-01-02T08:00:00
    p1        | 2024-01-01T08:00:00
    p2        | 2026-06-02T08:00:00
"""
INDEX = pd.DataFrame(
    {"person_id": ["p1", "p2", "p3"], "index_date": [dt.date(2025, 1, 1), dt.date(2025, 6, 1), dt.date(2025, 3, 1)]}
)


@pytest.fixture(params=["duckdb", pytest.param("spark", marks=pytest.mark.spark)])
def counts(tmp_path, request):
    directory = write_linked(tmp_path / "linked", {"persons": PERSONS, "apc_spells": APC, "ae_attendances": AE})
    con = request.getfixturevalue("spark_con") if request.param == "spark" else engines.connect()
    linked = read_linked(directory, con)
    index = con.create_table(f"index_{request.param}", ibis.memtable(INDEX).to_pyarrow(), overwrite=True)
    return engines.execute(con, use_around(linked, index)).set_index("person_id")


def test_emergency_admissions_by_window(counts):
    # p1: 2024-12-25 is 7 days before (both windows); 2024-03-01 is 306 days before (12 months
    # only); the elective spell is not counted; 2025-05-01 is 120 days after (both);
    # 2025-12-31 is 364 days after (12 months only).
    assert counts.loc["p1", "emergency_admissions_before_6m"] == 1
    assert counts.loc["p1", "emergency_admissions_before_12m"] == 2
    assert counts.loc["p1", "emergency_admissions_after_6m"] == 1
    assert counts.loc["p1", "emergency_admissions_after_12m"] == 2
    # p2: admitted on the index day itself: before, not after.
    assert (
        counts.loc["p2", "emergency_admissions_before_6m"] == 1
        and counts.loc["p2", "emergency_admissions_after_6m"] == 1
    )


def test_bed_days_are_nights_inside_each_window(counts):
    # p1: the spell over the index date gives 7 nights before (25 Dec to 1 Jan) and 2 after.
    assert counts.loc["p1", "emergency_bed_days_before_6m"] == 7
    assert counts.loc["p1", "emergency_bed_days_before_12m"] == 7 + 4
    # After: 2 + 3 (May); in 12 months also the spell from 2025-12-31 to the window's end 2026-01-01.
    assert counts.loc["p1", "emergency_bed_days_after_6m"] == 2 + 3
    assert counts.loc["p1", "emergency_bed_days_after_12m"] == 2 + 3 + 1
    # p2: the open spell from 2025-09-01 counts to the end of each window (2025-11-30, 2026-06-01).
    assert counts.loc["p2", "emergency_bed_days_after_6m"] == 1 + 90
    assert counts.loc["p2", "emergency_bed_days_after_12m"] == 1 + 273


def test_ae_attendances_by_arrival_date(counts):
    assert counts.loc["p1", "ae_attendances_before_6m"] == 1 and counts.loc["p1", "ae_attendances_after_6m"] == 1
    assert counts.loc["p1", "ae_attendances_before_12m"] == 1  # 2024-01-01 is 366 days before
    assert counts.loc["p2", "ae_attendances_after_12m"] == 0  # 366 days after


def test_everyone_in_the_index_is_kept_with_zeros(counts):
    assert list(counts.index) == ["p1", "p2", "p3"]
    assert all(counts.loc["p3", c] == 0 for c in columns())
