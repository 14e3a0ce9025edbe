"""Cohort definition errors name the file, the cohort and the field."""

import pytest
import yaml

from octopus.config import ConfigError
from octopus.population.cohorts.load import load_cohorts, parse_definitions
from octopus.population.cohorts.model import (
    All,
    AnyOf,
    Compare,
    IsTrue,
    Not,
    OneOf,
    evaluate,
)


def write(tmp_path, text):
    path = tmp_path / "cohorts.yaml"
    path.write_text(text)
    return path


def test_shipped_cohorts_load():
    names = {c.name for c in load_cohorts()}
    assert {"welc_target", "current_inpatients", "core20plus5", "unregistered_residents"} <= names


def test_unknown_field_names_file_cohort_and_field(tmp_path):
    path = write(tmp_path, "cohorts:\n  older:\n    where: {field: agee, '>=': 65}\n")
    with pytest.raises(ConfigError) as error:
        load_cohorts(path)
    message = str(error.value)
    assert f"{path}:3: cohorts.older.where: field 'agee'" in message
    assert "unknown field" in message and "age" in message


def test_wrong_type_names_the_expected_type(tmp_path):
    path = write(tmp_path, "cohorts:\n  older:\n    where: {field: age, '>=': 'sixty'}\n")
    with pytest.raises(
        ConfigError, match=r"cohorts.yaml:3: cohorts.older.where: field 'age': expects a int value but got 'sixty'"
    ):
        load_cohorts(path)


def test_is_true_on_a_number_field_is_rejected(tmp_path):
    path = write(tmp_path, "cohorts:\n  x:\n    where: {field: ltc_count, is: true}\n")
    with pytest.raises(ConfigError, match="needs a yes/no field"):
        load_cohorts(path)


def test_unknown_key_and_missing_where(tmp_path):
    with pytest.raises(ConfigError, match=r"f.yaml: cohorts.x.wher: unknown key"):
        parse_definitions(yaml.safe_load("cohorts:\n  x:\n    wher: {field: age, '>': 1}\n"), "f.yaml")
    with pytest.raises(ConfigError, match=r"f.yaml: cohorts.x.where: missing"):
        parse_definitions(yaml.safe_load("cohorts:\n  x:\n    title: X\n"), "f.yaml")


def test_query_model_is_immutable_and_evaluates_in_python():
    term = All((OneOf("risk_band", (1, 2, 3)), AnyOf((Compare("age", ">=", 65), IsTrue("care_home")))))
    with pytest.raises(AttributeError):
        term.terms = ()
    assert evaluate(term, {"risk_band": 2, "age": 70, "care_home": False})
    assert not evaluate(term, {"risk_band": 4, "age": 70, "care_home": True})
    assert evaluate(Not(Compare("imd_decile", "<=", 2)), {"imd_decile": None})
