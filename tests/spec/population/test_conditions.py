"""Spec: long-term conditions from QOF code lists, with resolved codes honoured."""

import datetime as dt

AS_OF = dt.date(2025, 3, 31)

PERSONS = """
    person_id | date_of_birth
    p1        | 1950-01-01
    p2        | 1960-01-01
    p3        | 1970-01-01
"""
# 111552007 diabetes (DM_COD); 195967001 asthma (AST_COD); 160685001 bed-ridden (housebound)
GP_EVENTS = """
    person_id | event_date | snomed_code
    p1        | 2010-01-01 | 111552007
    p1        | 2015-06-01 | 195967001
    p2        | 2012-01-01 | 195967001
    p2        | 2020-01-01 | 162660004
    p3        | 2025-04-01 | 111552007
    p3        | 2024-01-01 | 160685001
"""


def test_condition_recorded_before_as_of_is_present(features_of):
    frame = features_of({"persons": PERSONS, "gp_events": GP_EVENTS}, AS_OF)
    assert frame.loc["p1", "ltc_diabetes"]
    assert frame.loc["p1", "ltc_asthma"]
    assert frame.loc["p1", "ltc_count"] == 2


def test_condition_recorded_after_as_of_is_absent(features_of):
    frame = features_of({"persons": PERSONS, "gp_events": GP_EVENTS}, AS_OF)
    assert not frame.loc["p3", "ltc_diabetes"]
    assert frame.loc["p3", "ltc_count"] == 0


def test_later_resolved_code_ends_the_condition(features_of):
    frame = features_of({"persons": PERSONS, "gp_events": GP_EVENTS}, AS_OF)
    assert not frame.loc["p2", "ltc_asthma"]
    assert frame.loc["p2", "ltc_count"] == 0


def test_housebound_from_code_list(features_of):
    frame = features_of({"persons": PERSONS, "gp_events": GP_EVENTS}, AS_OF)
    assert frame["housebound"].to_dict() == {"p1": False, "p2": False, "p3": True}


# Hospital diagnoses (ICD-10, secondary-care lists): primary or secondary, dots and case ignored.
HOSPITAL_PERSONS = """
    person_id | date_of_birth
    h1        | 1950-01-01
    h2        | 1950-01-01
    h3        | 1950-01-01
    h4        | 1950-01-01
    h5        | 1950-01-01
"""
HOSPITAL_GP_EVENTS = """
    person_id | event_date | snomed_code
    h4        | 2012-01-01 | 195967001
    h4        | 2020-01-01 | 162660004
    h5        | 2012-01-01 | 195967001
    h5        | 2020-01-01 | 162660004
"""
HOSPITAL_SPELLS = """
    person_id | admission_date | discharge_date | admission_method | primary_diagnosis | secondary_diagnoses
    h1        | 2019-05-01     | 2019-05-03     | emergency        | I50.0             |
    h2        | 2023-02-01     | 2023-02-02     | elective         | K80.2             | i10 e11.9
    h3        | 2025-04-02     | 2025-04-03     | emergency        | J45.9             |
    h4        | 2018-01-01     | 2018-01-02     | emergency        | J45.0             |
    h5        | 2022-01-01     | 2022-01-02     | emergency        | J45.0             |
"""


def hospital_frame(features_of):
    return features_of(
        {"persons": HOSPITAL_PERSONS, "gp_events": HOSPITAL_GP_EVENTS, "apc_spells": HOSPITAL_SPELLS}, AS_OF
    )


def test_hospital_primary_diagnosis_gives_condition_without_gp_code(features_of):
    frame = hospital_frame(features_of)
    assert frame.loc["h1", "ltc_heart_failure"] and frame.loc["h1", "ltc_count"] == 1


def test_hospital_secondary_diagnosis_matches_without_dots_or_case(features_of):
    frame = hospital_frame(features_of)
    assert frame.loc["h2", "ltc_diabetes"] and not frame.loc["h2", "ltc_heart_failure"]


def test_hospital_diagnosis_after_as_of_is_absent(features_of):
    assert not hospital_frame(features_of).loc["h3", "ltc_asthma"]


def test_later_gp_resolved_code_ends_hospital_diagnosis_but_not_a_later_one(features_of):
    frame = hospital_frame(features_of)
    assert not frame.loc["h4", "ltc_asthma"]  # hospital 2018, resolved 2020
    assert frame.loc["h5", "ltc_asthma"]  # resolved 2020, hospital again 2022
