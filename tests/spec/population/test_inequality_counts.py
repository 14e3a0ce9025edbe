"""Spec: the Inequalities page's pre-aggregated counts, the same on every engine."""

import pandas as pd
import pytest

from octopus.population import engines
from octopus.population.inequalities import inequality_counts, long_counts
from octopus.population.testing import parse_table

STATUS = (
    "bowel_screening_status | breast_screening_status | cervical_screening_status | nhs_health_check_status"
    " | flu_vaccination_status | mmr_vaccination_status | diabetes_care_processes_status"
)
RESIDENTS = f"""
person_id | age | age_band | sex    | ethnicity_group | imd_quintile | practice_ods_code | analytics_excluded | emergency_admissions | ae_attendances | readmission_index_discharges | emergency_readmissions_30_days | {STATUS}
a         | 70  | 65-79    | female | White           | 1            | E83003            | false | 2 | 3 | 2 | 1 | up_to_date   | up_to_date   | not_eligible | not_eligible | up_to_date   | not_eligible | not_eligible
b         | 72  | 65-79    | male   | White           | 1            | E83003            | false | 0 | 1 | 0 | 0 | overdue      | not_eligible | not_eligible | not_eligible | never        | not_eligible | up_to_date
c         | 60  | 45-64    | female | Asian or Asian British | 5     | E83005            | false | 1 | 0 | 1 | 0 | never        | declined     | up_to_date   | up_to_date   | up_to_date   | not_eligible | overdue
d         | 8   | 0-17     | male   | Not recorded    |              |                   | false | 0 | 2 | 0 | 0 | not_eligible | not_eligible | not_eligible | not_eligible | not_eligible | overdue      | not_eligible
e         | 68  | 65-79    | female | White           | 1            | E83003            | true  | 5 | 5 | 3 | 3 | never        | never        | not_eligible | not_eligible | never        | not_eligible | not_eligible
"""  # noqa: E501


def residents_frame() -> pd.DataFrame:
    frame = pd.DataFrame(parse_table(RESIDENTS))
    frame["analytics_excluded"] = frame["analytics_excluded"] == "true"
    for column in (
        "age",
        "imd_quintile",
        "emergency_admissions",
        "ae_attendances",
        "readmission_index_discharges",
        "emergency_readmissions_30_days",
    ):
        frame[column] = pd.to_numeric(frame[column].replace("", None)).astype("Int64")
    frame["practice_ods_code"] = frame["practice_ods_code"].replace("", None)
    return frame


@pytest.fixture(params=["duckdb", pytest.param("spark", marks=pytest.mark.spark)])
def counts(request):
    con = request.getfixturevalue("spark_con") if request.param == "spark" else engines.connect()
    table = engines.table_from_frame(con, residents_frame(), "ineq_residents")
    frame = long_counts(engines.execute(con, inequality_counts(table)))
    return frame.set_index(["indicator", "breakdown", "group", "esp_band"])[["numerator", "denominator"]]


def cell(counts, indicator, breakdown, group):
    rows = counts.loc[(indicator, breakdown, group)]
    return int(rows["numerator"].sum()), int(rows["denominator"].sum())


def test_coverage_counts_eligible_and_up_to_date_by_quintile(counts):
    # Quintile 1 without the objector e: a (up to date) and b (overdue).
    assert cell(counts, "bowel_screening", "imd_quintile", "1") == (1, 2)
    assert cell(counts, "bowel_screening", "imd_quintile", "5") == (0, 1)
    # Declined stays in the denominator: c declined breast screening.
    assert cell(counts, "breast_screening", "sex", "female") == (1, 2)
    assert cell(counts, "childhood_immunisations", "imd_quintile", "Not known") == (0, 1)


def test_flu_split_at_65_and_rates_by_age_band(counts):
    assert cell(counts, "flu_65_plus", "sex", "male") == (0, 1)
    assert cell(counts, "flu_at_risk", "sex", "female") == (1, 1)
    assert cell(counts, "emergency_admissions", "age_band", "65-79") == (2, 2)
    assert cell(counts, "ae_attendances", "ethnic_group", "Not recorded") == (2, 1)
    # ESP2013 bands: ages 70 and 72 are band 14 (70-74); 8 is band 1 (5-9).
    assert counts.loc[("emergency_admissions", "sex", "male", 14), "denominator"] == 1
    assert counts.loc[("ae_attendances", "sex", "male", 1), "numerator"] == 2


def test_readmissions_are_per_discharge_and_pcn_comes_from_the_practice(counts):
    assert cell(counts, "emergency_readmissions", "practice", "E83003") == (1, 2)
    assert cell(counts, "emergency_readmissions", "pcn", "BARNET 3 PCN") == (0, 1)
    assert cell(counts, "ae_attendances", "practice", "No practice recorded") == (2, 1)


def test_objectors_are_left_out(counts):
    total = sum(
        n for (ind, brk, _, _), n in counts["denominator"].items() if ind == "emergency_admissions" and brk == "sex"
    )
    assert total == 4
