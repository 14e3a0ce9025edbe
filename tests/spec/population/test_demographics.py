"""Spec: who is a resident on the as-of date, age, sex, ethnicity group and IMD decile."""

import datetime as dt

AS_OF = dt.date(2025, 3, 31)

PERSONS = """
    person_id | date_of_birth | sex    | lsoa_code | ethnicity_snomed_code | postcode
    born_day  | 1950-03-31    | female | E01000001 | 10292001              | E1 6AN
    day_after | 1950-04-01    | male   | E01000002 |                       | E1 6AN
    unborn    | 2025-04-01    | male   |           |                       |
    died      | 1940-01-01    | female |           |                       |
    nfa       | 1990-06-15    | male   | E99999999 |                       | ZZ99 3VZ
"""
DEATHS = """
    person_id | date_of_death
    died      | 2025-01-02
"""


def test_residents_are_born_and_alive_on_the_as_of_date(features_of):
    frame = features_of({"persons": PERSONS, "deaths": DEATHS}, AS_OF)
    assert sorted(frame.index) == ["born_day", "day_after", "nfa"]


def test_age_counts_completed_years(features_of):
    frame = features_of({"persons": PERSONS}, AS_OF)
    assert frame.loc["born_day", "age"] == 75
    assert frame.loc["day_after", "age"] == 74
    assert frame.loc["born_day", "age_band"] == "65-79"
    assert frame.loc["nfa", "age_band"] == "18-44"


def test_ethnicity_group_from_snomed_code_list(features_of):
    frame = features_of({"persons": PERSONS}, AS_OF)
    assert frame.loc["born_day", "ethnicity_group"] == "Chinese or other"
    assert frame.loc["day_after", "ethnicity_group"] == "Not recorded"


def test_imd_decile_from_lsoa_unknown_lsoa_is_missing(features_of):
    frame = features_of({"persons": PERSONS}, AS_OF)
    assert frame.loc["born_day", "imd_decile"] == 8
    assert frame.loc["born_day", "imd_quintile"] == 4
    assert frame.loc["day_after", "imd_decile"] == 10
    assert frame["imd_decile"].isna()["nfa"]


def test_no_fixed_abode_pseudo_postcode_flags_homeless(features_of):
    frame = features_of({"persons": PERSONS, "deaths": DEATHS}, AS_OF)
    assert frame["homeless"].to_dict() == {"born_day": False, "day_after": False, "nfa": True}
