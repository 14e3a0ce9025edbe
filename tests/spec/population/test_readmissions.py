"""Spec: emergency readmissions within 30 days of discharge, on every engine.

Index discharges fall in the 12 months ending 30 days before the as-of date (2024-03-01 to
2025-03-01 for an as-of date of 2025-03-31), alive, not to another hospital, not maternity.
"""

import datetime as dt

AS_OF = dt.date(2025, 3, 31)

PERSONS = """
    person_id | date_of_birth
    p1        | 1940-01-01
    p2        | 1950-01-01
    p3        | 1960-01-01
"""
APC_SPELLS = """
    source_record_id | person_id | admission_date | discharge_date | admission_method | discharge_destination
    s1               | p1        | 2024-06-01     | 2024-06-05     | elective         | usual_residence
    s2               | p1        | 2024-07-05     | 2024-07-08     | emergency        | usual_residence
    s3               | p1        | 2024-08-07     | 2024-08-09     | emergency        | usual_residence
    s4               | p2        | 2024-09-01     | 2024-09-02     | emergency        | died
    s5               | p2        | 2024-10-01     | 2024-10-03     | maternity        | usual_residence
    s6               | p2        | 2024-10-10     | 2024-10-12     | emergency        | other_hospital
    s7               | p2        | 2024-10-12     | 2024-10-20     | emergency        | care_home
    s8               | p3        | 2025-02-20     | 2025-03-05     | emergency        | usual_residence
    s9               | p3        | 2025-03-10     | 2025-03-12     | emergency        | usual_residence
    s10              | p3        | 2024-02-20     | 2024-03-01     | elective         | usual_residence
    s11              | p3        | 2024-03-10     | 2024-03-11     | emergency        |
"""


def test_readmission_within_30_days_of_an_index_discharge(features_of):
    frame = features_of({"persons": PERSONS, "apc_spells": APC_SPELLS}, AS_OF)
    # p1: s1 discharged 06-05, s2 admitted 07-05 = 30 days later: readmitted. s2 discharged
    #     07-08, s3 admitted 08-07 = 30 days: readmitted. s3 discharged 08-09: no later spell.
    # p2: s4 died, s5 maternity, s6 a transfer: not index spells; s7 discharged to a care home:
    #     index, not readmitted (s6's own admission is before it).
    # p3: s8 discharged 03-05 is after the window's end (03-01): not an index spell (its 30 days
    #     are not over); s10 discharged 2024-03-01 is on the window's exclusive start; s11
    #     (discharged 2024-03-11) is an index spell with no readmission.
    assert frame["readmission_index_discharges"].to_dict() == {"p1": 3, "p2": 1, "p3": 1}
    assert frame["emergency_readmissions_30_days"].to_dict() == {"p1": 2, "p2": 0, "p3": 0}


def test_no_spells_means_no_discharges(features_of):
    frame = features_of({"persons": PERSONS, "apc_spells": APC_SPELLS.split("s10")[0].rsplit("\n", 1)[0] + "\n"}, AS_OF)
    assert int(frame.loc["p3", "readmission_index_discharges"]) == 0
