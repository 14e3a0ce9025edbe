"""Spec: the training outcome for residents who die in the outcome year (decision 0006).

A resident alive on the feature date stays in the training population whatever happens next.
An emergency admission before death is an outcome; death without one is not.
"""

import datetime as dt

AS_OF = dt.date(2024, 3, 31)

PERSONS = """
    person_id | date_of_birth
    admitted  | 1935-01-01
    died_only | 1935-01-01
    dead_then | 1935-01-01
    alive     | 1935-01-01
"""
DEATHS = """
    person_id | date_of_death
    admitted  | 2024-06-20
    died_only | 2024-05-01
    dead_then | 2024-01-10
"""
APC_SPELLS = """
    person_id | admission_date | discharge_date | admission_method
    admitted  | 2024-06-01     | 2024-06-20     | emergency
"""


def frame(features_of):
    return features_of({"persons": PERSONS, "deaths": DEATHS, "apc_spells": APC_SPELLS}, AS_OF)


def test_emergency_admission_before_death_in_outcome_year_is_an_outcome(features_of):
    assert frame(features_of).loc["admitted", "outcome_next_year"]


def test_death_without_admission_stays_in_population_as_no_outcome(features_of):
    result = frame(features_of)
    assert "died_only" in result.index and not result.loc["died_only", "outcome_next_year"]


def test_resident_dead_before_feature_date_is_not_in_population(features_of):
    assert "dead_then" not in frame(features_of).index and "alive" in frame(features_of).index
