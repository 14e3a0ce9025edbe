"""Spec: hospital diagnosis lists are read by the one coded-list parser on every engine.

A list written "N390 | W190 | S000" passes validation (which trims each code); the engine must
then match every code of it, for hospital long-term conditions and the HFRS alike (issue #15).
Cells are given as rows, since the text tables use "|" between columns.
"""

import datetime as dt

import pandas as pd
import pytest

from octopus.population import engines
from octopus.population.coded_lists import matching_code, matching_form

AS_OF = dt.date(2025, 3, 31)
PERSONS = """
    person_id | date_of_birth
    s1        | 1940-01-01
    s2        | 1940-01-01
"""
# HFRS (Gilbert et al., Lancet 2018): F00 dementia 7.1, W19 unspecified fall 3.2, N39 other
# urinary disorders 3.2 (tests/spec/population/test_frailty.py reads the same table).
# ICD-10 I50 heart failure is on the secondary-care heart failure list.
SPELLS = [
    {
        "person_id": "s1",
        "admission_date": "2024-06-01",
        "discharge_date": "2024-06-03",
        "admission_method": "emergency",
        "primary_diagnosis": "F00.1",
        "secondary_diagnoses": "N390 | W190 | i50.0 ",
    },
    {
        "person_id": "s2",
        "admission_date": "2024-06-01",
        "discharge_date": "2024-06-03",
        "admission_method": "emergency",
        "primary_diagnosis": "F00.1",
        "secondary_diagnoses": "N390|W190|I500",
    },
]


def test_spaced_and_unspaced_lists_score_the_same(features_of):
    frame = features_of({"persons": PERSONS, "apc_spells": SPELLS}, AS_OF)
    assert frame.loc["s1", "hfrs"] == frame.loc["s2", "hfrs"] == 13.5
    assert frame.loc["s1", "ltc_heart_failure"] and frame.loc["s2", "ltc_heart_failure"]


# Each white-space character validation strips around a code, alone and mixed, and a space
# inside a code, which stays.
CODES = ["\tN39.0", "w19 \n", "\x0bI50\x0c", "\r\nE11.9 \r", "   ", "", "A B", "i50.0"]


@pytest.fixture(params=["duckdb", pytest.param("spark", marks=pytest.mark.spark)])
def con(request):
    return request.getfixturevalue("spark_con") if request.param == "spark" else engines.connect()


def test_the_engine_strips_each_code_as_validation_does(con):
    table = engines.table_from_frame(con, pd.DataFrame({"row": range(len(CODES)), "part": CODES}), "parts")
    result = engines.execute(con, table.select("row", code=matching_code(table.part)), sort_by="row")
    assert list(result["code"]) == [matching_form(code.strip()) for code in CODES]
