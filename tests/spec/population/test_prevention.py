"""Spec: prevention programmes' statuses and open gaps from GP codes (config/prevention.yaml).

Every test reads the same tiny extract, so each engine builds the features once per as-of date
(a module-scoped cache) rather than once per test: on Spark a build takes tens of seconds.
"""

import datetime as dt

import pytest

from octopus.population import engines
from octopus.population.features import build_features
from octopus.population.linked import read_linked
from octopus.population.testing import write_linked

AS_OF = dt.date(2025, 12, 1)  # inside the 2025/26 flu season (1 September to 31 March)

PERSONS = """
    person_id | date_of_birth | sex
    bowel50   | 1975-12-01    | male
    bowel49   | 1975-12-02    | male
    bowel_old | 1951-01-01    | male
    bowel_new | 1951-01-01    | male
    bowel75   | 1950-12-01    | male
    cerv_ok   | 1995-06-01    | female
    cerv_male | 1995-06-01    | male
    cerv_decl | 1995-06-01    | female
    cerv_stop | 1995-06-01    | female
    cerv_55   | 1970-06-01    | female
    cerv_45   | 1980-06-01    | female
    flu65end  | 1961-03-31    | male
    flu64end  | 1961-04-01    | male
    flu_risk  | 1985-06-01    | male
    flu_last  | 1955-06-01    | male
    flu_decl  | 1955-06-01    | male
    pneumo    | 1955-06-01    | male
    mmr_one   | 2020-01-15    | male
    mmr_12m   | 2024-12-01    | male
    mmr_11m   | 2024-12-02    | male
    dm_all    | 1980-06-01    | male
    dm_some   | 1980-06-01    | male
    hc_done   | 1980-06-01    | male
"""
# Codes: 275978004 colon cancer screening; 171149006 cervical screening; 736595007 cervical
# screening declined; 416099005 no cervix; 955691000000108 flu given by pharmacist (FLU_COD);
# 315640000 flu declined; 195967001 asthma (AST_COD); 12866006 pneumococcal vaccination;
# 3063401000001105 MMR vaccine; 111552007 diabetes (DM_COD); 523221000000100 NHS Health Check;
# the 8 diabetes care processes: HbA1c, BP, cholesterol, creatinine, urine ACR, foot, BMI, smoking.
GP_EVENTS = """
    person_id | event_date | snomed_code
    bowel_old | 2023-06-01 | 275978004
    bowel_new | 2023-06-02 | 275978004
    cerv_ok   | 2024-01-01 | 171149006
    cerv_male | 2024-01-01 | 171149006
    cerv_decl | 2020-01-01 | 171149006
    cerv_decl | 2025-01-01 | 736595007
    cerv_stop | 2019-01-01 | 171149006
    cerv_stop | 2022-01-01 | 416099005
    cerv_55   | 2021-01-01 | 171149006
    cerv_45   | 2021-01-01 | 171149006
    flu_risk  | 2010-01-01 | 195967001
    flu_risk  | 2025-10-01 | 955691000000108
    flu_last  | 2024-10-01 | 955691000000108
    flu_decl  | 2025-09-15 | 315640000
    pneumo    | 2015-03-01 | 12866006
    mmr_one   | 2021-01-20 | 3063401000001105
    dm_all    | 2015-01-01 | 111552007
    dm_all    | 2025-02-01 | 1019431000000105
    dm_all    | 2025-02-01 | 75367002
    dm_all    | 2025-02-01 | 850981000000101
    dm_all    | 2025-02-01 | 1000731000000107
    dm_all    | 2025-02-01 | 1023491000000104
    dm_all    | 2025-02-01 | 401191002
    dm_all    | 2025-02-01 | 301331008
    dm_all    | 2025-02-01 | 77176002
    dm_some   | 2015-01-01 | 111552007
    dm_some   | 2025-02-01 | 1019431000000105
    dm_some   | 2024-11-30 | 75367002
    hc_done   | 2021-01-01 | 523221000000100
"""


@pytest.fixture(scope="module", params=["duckdb", pytest.param("spark", marks=pytest.mark.spark)])
def features_of(request, tmp_path_factory):
    """features_of(as_of) -> the features of PERSONS and GP_EVENTS on this engine, built once."""
    engine, built = request.param, {}
    directory = write_linked(
        tmp_path_factory.mktemp(f"prevention-{engine}"), {"persons": PERSONS, "gp_events": GP_EVENTS}
    )
    con = request.getfixturevalue("spark_con") if engine == "spark" else engines.connect()
    linked = read_linked(directory, con)

    def run(as_of: dt.date):
        if as_of not in built:
            built[as_of] = engines.execute(con, build_features(linked, as_of)).set_index("person_id")
        return built[as_of]

    return run


def frame(features_of, as_of=AS_OF):
    return features_of(as_of)


def test_bowel_screening_age_limits_on_birthdays(features_of):
    status = frame(features_of)["bowel_screening_status"]
    assert status["bowel50"] == "never"  # 50th birthday on the as-of date
    assert status["bowel49"] == "not_eligible"  # 50 tomorrow
    assert status["bowel75"] == "not_eligible"  # 75th birthday on the as-of date


def test_bowel_screening_window_boundary_day(features_of):
    status = frame(features_of)["bowel_screening_status"]
    assert status["bowel_old"] == "overdue"  # exactly 30 months before: outside the window
    assert status["bowel_new"] == "up_to_date"  # a day later: inside


def test_cervical_screening_is_sex_specific(features_of):
    status = frame(features_of)["cervical_screening_status"]
    assert status["cerv_ok"] == "up_to_date"
    assert status["cerv_male"] == "not_eligible"


def test_cervical_screening_declined_and_ceased(features_of):
    status = frame(features_of)["cervical_screening_status"]
    assert status["cerv_decl"] == "declined"  # declined in the window, after the last test
    assert status["cerv_stop"] == "not_eligible"  # no cervix recorded after the last test


def test_cervical_screening_window_depends_on_age(features_of):
    status = frame(features_of)["cervical_screening_status"]
    assert status["cerv_55"] == "up_to_date"  # 50-64: 66 months
    assert status["cerv_45"] == "overdue"  # 25-49: 42 months


def test_flu_age_is_taken_on_31_march(features_of):
    status = frame(features_of)["flu_vaccination_status"]
    assert status["flu65end"] == "never"  # 64 today, 65 on 31 March 2026
    assert status["flu64end"] == "not_eligible"


def test_flu_at_risk_last_season_and_declined(features_of):
    status = frame(features_of)["flu_vaccination_status"]
    assert status["flu_risk"] == "up_to_date"  # 40 with asthma, vaccinated this season
    assert status["flu_last"] == "overdue"  # vaccinated last season only
    assert status["flu_decl"] == "declined"


def test_flu_has_no_gap_outside_the_season(features_of):
    status = frame(features_of, dt.date(2025, 6, 1))["flu_vaccination_status"]
    assert set(status) == {"not_eligible"}


def test_pneumococcal_once_at_65(features_of):
    status = frame(features_of)["pneumococcal_vaccination_status"]
    assert status["pneumo"] == "up_to_date"
    assert status["flu_last"] == "never"
    assert status["hc_done"] == "not_eligible"


def test_mmr_doses_due_by_age(features_of):
    status = frame(features_of)["mmr_vaccination_status"]
    assert status["mmr_one"] == "overdue"  # 5 years old, one dose of two
    assert status["mmr_12m"] == "never"  # first birthday today
    assert status["mmr_11m"] == "not_eligible"


def test_diabetes_care_processes_within_12_months(features_of):
    result = frame(features_of)
    assert result.loc["dm_all", "diabetes_care_processes_status"] == "up_to_date"
    assert result.loc["dm_all", "diabetes_care_processes_done"] == 8
    # HbA1c in the window; blood pressure on 2024-11-30, just outside it
    assert result.loc["dm_some", "diabetes_care_processes_status"] == "overdue"
    assert result.loc["dm_some", "diabetes_care_processes_done"] == 1
    assert result.loc["hc_done", "diabetes_care_processes_status"] == "not_eligible"


def test_nhs_health_check_excludes_diabetes(features_of):
    status = frame(features_of)["nhs_health_check_status"]
    assert status["hc_done"] == "up_to_date"
    assert status["dm_all"] == "not_eligible"


def test_prevention_gaps_list_open_gaps_in_rule_order(features_of):
    result = frame(features_of)
    assert result.loc["bowel50", "prevention_gaps"] == "bowel_screening,nhs_health_check"
    assert result.loc["bowel50", "prevention_gap_count"] == 2
    assert result.loc["cerv_decl", "prevention_gaps"] == ""
    assert result.loc["cerv_decl", "prevention_gap_count"] == 0
    assert result.loc["flu_last", "prevention_gaps"] == (
        "bowel_screening,nhs_health_check,flu_vaccination,pneumococcal_vaccination"
    )
