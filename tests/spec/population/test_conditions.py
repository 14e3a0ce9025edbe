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
