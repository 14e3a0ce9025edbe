"""Spec: activity in the previous 12 months, cost, and where the person is now."""

import datetime as dt

AS_OF = dt.date(2025, 3, 31)

PERSONS = """
    person_id | date_of_birth
    p1        | 1940-01-01
    p2        | 1980-01-01
"""
# Window is 2024-03-31 (exclusive) to 2025-03-31 (inclusive).
APC_SPELLS = """
    person_id | admission_date | discharge_date | admission_method | tariff_cost_gbp
    p1        | 2024-03-31     | 2024-04-02     | emergency        | 100.00
    p1        | 2024-04-01     | 2024-04-04     | emergency        | 200.00
    p1        | 2024-10-01     | 2024-10-01     | elective         | 50.00
    p1        | 2025-03-25     |                | emergency        |
    p2        | 2025-03-10     | 2025-03-20     | emergency        | 300.00
    p2        | 2025-04-02     | 2025-04-05     | emergency        |
"""
AE = """
    person_id | arrival_datetime    | cost_gbp
    p1        | 2024-03-31T23:59:00 | 10.00
    p1        | 2024-04-01T00:01:00 | 20.00
    p2        | 2025-03-31T12:00:00 | 30.00
"""
LAS = """
    person_id | incident_datetime
    p1        | 2025-01-01T10:00:00
    p1        | 2025-02-01T10:00:00
"""
GP = """
    person_id | appointment_date | status
    p1        | 2025-01-01       | attended
    p1        | 2025-01-02       | did_not_attend
"""
PACKAGES = """
    person_id | start_date | end_date | weekly_cost_gbp | package_type
    p1        | 2025-03-18 |          | 70.00           | home_care
"""
CARE_HOME = """
    person_id | move_in_date | move_out_date
    p2        | 2020-01-01   | 2025-03-31
"""


def tables():
    return {
        "persons": PERSONS,
        "apc_spells": APC_SPELLS,
        "ae_attendances": AE,
        "las_incidents": LAS,
        "gp_appointments": GP,
        "asc_packages": PACKAGES,
        "care_home_residents": CARE_HOME,
    }


def test_admissions_counted_by_admission_date_in_window(features_of):
    frame = features_of(tables(), AS_OF)
    assert frame["emergency_admissions"].to_dict() == {"p1": 2, "p2": 1}
    assert frame["elective_admissions"].to_dict() == {"p1": 1, "p2": 0}


def test_bed_days_are_nights_inside_the_window(features_of):
    frame = features_of(tables(), AS_OF)
    # Spell 1 overlaps from the window start 2024-03-31: 2 nights; spell 2: 3; spell 3: 0;
    # spell 4 is open: 6 nights to the as-of date.
    assert frame.loc["p1", "bed_days"] == 2 + 3 + 0 + 6
    assert frame.loc["p2", "bed_days"] == 10


def test_current_inpatient_recent_discharge_and_last_admission(features_of):
    frame = features_of(tables(), AS_OF)
    assert frame["current_inpatient"].to_dict() == {"p1": True, "p2": False}
    assert frame["discharged_last_14_days"].to_dict() == {"p1": False, "p2": True}
    assert frame["days_since_last_emergency_admission"].to_dict() == {"p1": 6, "p2": 21}


def test_ae_ambulance_and_gp_counts(features_of):
    frame = features_of(tables(), AS_OF)
    assert frame["ae_attendances"].to_dict() == {"p1": 1, "p2": 1}
    assert frame["ambulance_calls"].to_dict() == {"p1": 2, "p2": 0}
    assert frame["gp_contacts"].to_dict() == {"p1": 1, "p2": 0}


def test_prior_cost_adds_tariffs_and_pro_rata_social_care(features_of):
    frame = features_of(tables(), AS_OF)
    # p1: spells 200 + 50 (the 100 spell began on the window's exclusive start), A&E 20,
    # home care 14 days × £10 a day.
    assert frame.loc["p1", "prior_cost"] == 200 + 50 + 20 + 140
    assert frame.loc["p2", "prior_cost"] == 300 + 30


def test_hospital_cost_is_admitted_care_ae_and_outpatients_only(features_of):
    frame = features_of(tables(), AS_OF)
    # As prior_cost without the home care: the same window, acute hospital activity only.
    assert frame["hospital_cost"].to_dict() == {"p1": 200 + 50 + 20, "p2": 300 + 30}


def test_social_care_and_care_home_flags(features_of):
    frame = features_of(tables(), AS_OF)
    assert frame["social_care_package"].to_dict() == {"p1": True, "p2": False}
    assert frame["care_home"].to_dict() == {"p1": False, "p2": False}


def test_outcome_is_emergency_admission_in_the_next_year(features_of):
    frame = features_of(tables(), AS_OF)
    assert frame["outcome_next_year"].to_dict() == {"p1": False, "p2": True}
