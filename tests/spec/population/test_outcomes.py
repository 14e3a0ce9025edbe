"""Spec: the outcomes an INT may choose for the risk model (``config/model.yaml``), on every engine.

Feature date 31 March 2024; the outcome year is 1 April 2024 to 31 March 2025 inclusive.
"""

import datetime as dt

import pytest

from octopus.population.config import ConfigError
from octopus.population.risk.outcomes import OUTCOMES, load_model_config

AS_OF = dt.date(2024, 3, 31)

PERSONS = """
    person_id | date_of_birth
    admitted  | 1950-01-01
    ae_only   | 1950-01-01
    ae_before | 1950-01-01
    elective  | 1950-01-01
    ae_after  | 1950-01-01
"""
APC_SPELLS = """
    person_id | admission_date | discharge_date | admission_method
    admitted  | 2024-06-01     | 2024-06-05     | emergency
    elective  | 2024-07-01     | 2024-07-02     | elective
"""
AE = """
    person_id | arrival_datetime    | cost_gbp
    ae_only   | 2025-03-31 23:00:00 | 100
    ae_before | 2024-03-31 10:00:00 | 100
    ae_after  | 2025-04-01 00:30:00 | 100
"""
TABLES = {"persons": PERSONS, "apc_spells": APC_SPELLS, "ae_attendances": AE}


def test_emergency_admission_counts_only_emergency_admissions(features_of):
    frame = features_of(TABLES, AS_OF, OUTCOMES["emergency_admission"].events)
    assert frame["outcome_next_year"].to_dict() == {
        "admitted": True,
        "ae_only": False,
        "ae_before": False,
        "elective": False,
        "ae_after": False,
    }


def test_emergency_contact_adds_ae_attendances_within_the_outcome_year(features_of):
    frame = features_of(TABLES, AS_OF, OUTCOMES["emergency_contact"].events)
    assert frame["outcome_next_year"].to_dict() == {
        "admitted": True,
        "ae_only": True,
        "ae_before": False,
        "elective": False,
        "ae_after": False,
    }


def test_shipped_config_chooses_emergency_admission():
    assert load_model_config().outcome is OUTCOMES["emergency_admission"]


def test_config_chooses_another_outcome(tmp_path):
    path = tmp_path / "model.yaml"
    path.write_text("outcome: emergency_contact\n")
    assert load_model_config(path).outcome.name == "emergency_contact"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            "outcome: falls\n",
            "outcome 'falls' is not one Octopus knows: use one of emergency_admission, emergency_contact",
        ),
        ("outcome: emergency_admission\nhorizon: 6\n", "horizon: unknown key; this part takes outcome"),
        ("- emergency_admission\n", "expected a mapping of keys"),
    ],
)
def test_config_errors_name_the_file_and_what_to_fix(tmp_path, text, message):
    path = tmp_path / "model.yaml"
    path.write_text(text)
    with pytest.raises(ConfigError, match=f"{path}:\\d+: .*{message}"):
        load_model_config(path)
