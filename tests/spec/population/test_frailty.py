"""Spec: electronic Frailty Index (Clegg 2016) and Hospital Frailty Risk Score (Gilbert 2018)."""

import datetime as dt

AS_OF = dt.date(2025, 3, 31)

PERSONS = """
    person_id | date_of_birth
    four      | 1930-01-01
    five      | 1930-01-01
    nine      | 1930-01-01
    hosp      | 1930-01-01
"""
# One SNOMED CT code from each of the first nine eFI deficits, in order.
DEFICIT_CODES = [
    "160983005",
    "109996008",
    "161567008",
    "134377004",
    "111298007",
    "127013003",
    "111552007",
    "111541001",
    "161939006",
]


def efi_events():
    rows = []
    for person, count in (("four", 4), ("five", 5), ("nine", 9)):
        rows += [{"person_id": person, "event_date": "2020-01-01", "snomed_code": c} for c in DEFICIT_CODES[:count]]
    # The same deficit twice counts once.
    rows.append({"person_id": "four", "event_date": "2021-01-01", "snomed_code": DEFICIT_CODES[0]})
    return rows


def test_efi_is_deficits_over_36_with_clegg_categories(features_of):
    frame = features_of({"persons": PERSONS, "gp_events": efi_events()}, AS_OF)
    assert frame["efi_deficits"].to_dict() == {"five": 5, "four": 4, "hosp": 0, "nine": 9}
    assert frame.loc["nine", "efi"] == 0.25
    assert frame["efi_category"].to_dict() == {
        "five": "mild",
        "four": "fit",
        "hosp": "fit",
        "nine": "moderate",
    }


# F00 7.1 + I69 3.7 (dotted, in the secondary list) + W19 3.2, F00 twice counts once;
# the 2022 spell is outside the 2-year look-back.
APC_SPELLS = """
    person_id | admission_date | discharge_date | admission_method | primary_diagnosis | secondary_diagnoses
    hosp      | 2024-05-01     | 2024-05-03     | emergency        | F00.1             | I69.4 W19
    hosp      | 2025-01-01     | 2025-01-02     | emergency        | F001              | F00
    hosp      | 2022-01-01     | 2022-01-02     | emergency        | N39               |
"""


def test_hfrs_sums_points_once_per_category_within_two_years(features_of):
    frame = features_of({"persons": PERSONS, "apc_spells": APC_SPELLS}, AS_OF)
    assert round(frame.loc["hosp", "hfrs"], 6) == 14.0
    assert frame.loc["hosp", "hfrs_category"] == "intermediate"
    assert frame.loc["four", "hfrs"] == 0.0
    assert frame.loc["four", "hfrs_category"] == "low"
