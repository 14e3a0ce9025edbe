"""Spec: the chart pages' pre-aggregated tables (decision 0055), the same on every engine."""

import pandas as pd
import pytest

from octopus.population import engines
from octopus.population.chart_tables import execute_tables
from octopus.population.testing import parse_table

RESIDENTS = """
person_id | lsoa_code | practice_ods_code | registered | risk_band | segment | age | sex    | emergency_admissions | prior_cost | hospital_cost | rising_risk | prevention_gap_count | imd_decile | risk_probability | analytics_excluded
a         | L1        | P1                | true       | 1         | frailty | 82  | female | 2                    | 9000.5     | 6000          | true        | 1                    | 1          | 0.6              | false
b         | L1        | P1                | true       | 1         | frailty | 95  | male   | 1                    | 150        | 100           | false       | 0                    | 1          | 0.4              | false
c         | L1        | P1                | true       | 4         |         | 3   | female | 0                    | 0          | 0             |             |                      | 1          | 0.02             | false
d         | L2        | P1                | false      | 4         | well    |     |        |                      |            |               | false       | 2                    |            |                  | false
e         |           |                   | true       | 5         | well    | 40  | male   | 0                    | 150        | 0             | false       | 0                    | 6          | 0.01             | false
f         | L1        | P1                | true       | 1         | frailty | 80  | female | 7                    | 50000      | 40000         | true        | 3                    | 1          | 0.9              | true
"""  # noqa: E501


def residents_frame() -> pd.DataFrame:
    frame = pd.DataFrame(parse_table(RESIDENTS)).replace("", None)
    for column in ("registered", "rising_risk", "analytics_excluded"):
        frame[column] = frame[column].map({"true": True, "false": False, None: None}).astype("boolean")
    for column in ("risk_band", "emergency_admissions", "prevention_gap_count", "imd_decile"):
        frame[column] = pd.to_numeric(frame[column]).astype("Int64")
    for column in ("age", "prior_cost", "hospital_cost", "risk_probability"):
        frame[column] = pd.to_numeric(frame[column]).astype("float64")
    return frame


@pytest.fixture(params=["duckdb", pytest.param("spark", marks=pytest.mark.spark)])
def tables(request):
    con = request.getfixturevalue("spark_con") if request.param == "spark" else engines.connect()
    return execute_tables(con, engines.table_from_frame(con, residents_frame(), "chart_residents"))


def _row(frame, **keys):
    chosen = frame
    for column, value in keys.items():
        chosen = chosen[chosen[column].isna()] if value is None else chosen[chosen[column] == value]
    assert len(chosen) == 1, keys
    return chosen.iloc[0]


def test_bands_sum_each_place_and_band_and_leave_out_objectors(tables):
    band = _row(tables["bands"], lsoa_code="L1", practice_ods_code="P1", registered=True, risk_band=1)
    # a and b; f objected to secondary use.
    assert (band.residents, band.emergency_admissions, band.admitted, band.rising_risk, band.prevention_gap) == (
        2,
        3,
        2,
        1,
        1,
    )
    assert band.prior_cost == pytest.approx(9150.5) and band.hospital_cost == pytest.approx(6100)
    assert int(tables["bands"]["residents"].sum()) == 5


def test_a_place_is_lsoa_practice_and_registration_with_missing_values_kept(tables):
    unregistered = _row(tables["bands"], lsoa_code="L2", registered=False)
    # Missing admissions and costs count as none; a missing rising-risk flag as not flagged.
    assert (unregistered.residents, unregistered.emergency_admissions, unregistered.prior_cost) == (1, 0, 0)
    assert _row(tables["bands"], lsoa_code=None, practice_ods_code=None).residents == 1


def test_segments_name_the_unassigned(tables):
    assert _row(tables["segments"], lsoa_code="L1", segment="not assigned").residents == 1
    assert _row(tables["segments"], lsoa_code="L1", segment="frailty").prior_cost == pytest.approx(9150.5)


def test_age_bands_are_five_years_to_90_plus_and_unknown_age_stays_unknown(tables):
    age_sex = tables["age_sex"]
    assert _row(age_sex, sex="male", lsoa_code="L1").age_band == 18  # 95: 90+
    assert _row(age_sex, sex="female", age_band=16).residents == 1  # 82: 80-84
    assert _row(age_sex, sex="female", age_band=0).residents == 1  # 3: 0-4
    assert pd.isna(_row(age_sex, lsoa_code="L2").age_band)


def test_costs_are_the_exact_distribution_per_place(tables):
    costs = tables["costs"]
    assert _row(costs, kind="prior_cost", lsoa_code="L1", cost=150.0).residents == 1
    assert _row(costs, kind="prior_cost", lsoa_code="L2", cost=0.0).residents == 1  # missing cost is none
    assert _row(costs, kind="prior_cost", lsoa_code=None, cost=150.0).residents == 1
    assert int(costs[costs["kind"] == "hospital_cost"]["residents"].sum()) == 5


def test_deprivation_keeps_the_sum_and_count_of_risk(tables):
    decile = _row(tables["deprivation"], imd_decile=1, risk_band=1)
    assert (decile.residents, decile.risk_probability_count) == (2, 2)
    assert decile.risk_probability_sum == pytest.approx(1.0)
    assert _row(tables["deprivation"], imd_decile=None).risk_probability_count == 0
