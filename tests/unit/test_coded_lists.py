"""The coded-list parser: what validation accepts is what the engine matches (issue #15)."""

import pytest

from octopus.population.coded_lists import SEPARATOR, matching_form, split_codes
from octopus.population.feeds.contract import MULTIPLE_SEPARATOR, load_contracts
from octopus.population.feeds.validate import CodeChecker


def test_separator_is_the_contracts():
    assert SEPARATOR == MULTIPLE_SEPARATOR


@pytest.mark.parametrize(
    ("cell", "codes"),
    [
        ("N390 | W190 | S000", ["N390", "W190", "S000"]),
        ("N390|W190", ["N390", "W190"]),
        (" I50.0 ", ["I50.0"]),
        ("N390||W190", ["N390", "", "W190"]),
    ],
)
def test_split_codes_trims_each_code_and_keeps_empty_parts(cell, codes):
    assert split_codes(cell) == codes


def test_matching_form_drops_dots_and_upper_cases():
    assert [matching_form(code) for code in split_codes("i50.0 | E11.9")] == ["I500", "E119"]


def test_validation_accepts_spaced_lists_and_refuses_empty_parts():
    checker = CodeChecker(load_contracts()["apc_spells"], None)
    column = load_contracts()["apc_spells"].column("secondary_diagnoses")
    assert checker._is_valid(column, "N390 | W190 | S000")
    assert not checker._is_valid(column, "N390 || W190")
