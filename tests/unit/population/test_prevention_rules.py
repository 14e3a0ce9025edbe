"""The prevention rules file (config/prevention.yaml) and its code lists."""

import datetime as dt

import pytest

from octopus.population.config import ConfigError
from octopus.population.features import prevention
from octopus.population.feeds.codes import is_valid_snomed_code


def test_shipped_rules_load_with_a_reference_for_every_programme():
    programmes = {p.name: p for p in prevention.load_programmes()}
    assert list(programmes) == [
        "bowel_screening",
        "breast_screening",
        "cervical_screening",
        "nhs_health_check",
        "flu_vaccination",
        "pneumococcal_vaccination",
        "mmr_vaccination",
        "diabetes_care_processes",
    ]
    assert all(p.reference and p.verified and p.interval for p in programmes.values())
    assert [(b.low, b.high, b.lookback_months) for b in programmes["cervical_screening"].bands] == [
        (25, 49, 42),
        (50, 64, 66),
    ]
    assert len(programmes["diabetes_care_processes"].processes) == 8


def test_every_prevention_code_is_a_valid_snomed_ct_identifier():
    codes = prevention.code_keys()
    assert len(codes) > 150
    assert all(is_valid_snomed_code(code) for code in codes["prev_code"]), [
        c for c in codes["prev_code"] if not is_valid_snomed_code(c)
    ]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("programmes: []", "programmes: expected a mapping of keys"),
        ("programmes: {x: {kind: weekly}}", r"programmes.x.kind: Input should be 'recurring', 'seasonal'"),
        (
            "programmes: {x: {kind: recurring, bands: [{ages: [50, 74]}], codelists: {done: [pcd_flu_cod.csv]}}}",
            "needs lookback_months on every band",
        ),
        (
            "programmes: {x: {kind: once, bands: [{ages: [65]}], codelists: {done: [pcd_flu_cod.csv]}}}",
            r"programmes.x.bands\[1\].ages\[2\]: too few items",
        ),
        (
            "programmes: {x: {kind: once, bands: [{ages: [65, 200]}], codelists: {done: [no_such_list.csv]}}}",
            r"programmes.x.codelists.done: Code list no_such_list.csv is not in the code-list registry "
            r"\(codelists.yaml\)",
        ),
        (
            "programmes: {x: {kind: once, bands: [{ages: [65, 200]}], codelists: {given: [pcd_flu_cod.csv]}}}",
            r"programmes.x.codelists.given: Input should be 'done', 'declined' or 'ceased'",
        ),
        (
            "programmes: {x: {kind: seasonal, age_at_season_end: 65, season: {starts: '13-01', ends: '03-31'},"
            " codelists: {done: [pcd_flu_cod.csv]}}}",
            "season dates are MM-DD",
        ),
    ],
)
def test_malformed_rules_name_the_file_and_programme(tmp_path, text, message):
    path = tmp_path / "prevention.yaml"
    path.write_text(text)
    with pytest.raises(ConfigError, match=message) as error:
        prevention.load_programmes(path)
    assert str(path) in str(error.value)


def test_months_before_keeps_the_day_or_the_months_last_day():
    assert prevention.months_before(dt.date(2025, 12, 1), 30) == dt.date(2023, 6, 1)
    assert prevention.months_before(dt.date(2025, 8, 31), 6) == dt.date(2025, 2, 28)


def test_flu_season_is_the_one_the_date_falls_in_or_last_started():
    flu = {p.name: p for p in prevention.programmes()}["flu_vaccination"]
    assert prevention.season_bounds(flu, dt.date(2025, 12, 1)) == (dt.date(2025, 9, 1), dt.date(2026, 3, 31))
    assert prevention.season_bounds(flu, dt.date(2026, 3, 31)) == (dt.date(2025, 9, 1), dt.date(2026, 3, 31))
    assert prevention.season_bounds(flu, dt.date(2026, 6, 1)) == (dt.date(2025, 9, 1), dt.date(2026, 3, 31))
