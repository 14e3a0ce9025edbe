"""NEWS2 against the Royal College of Physicians' 2017 chart: every band edge of every parameter.

Expected values are written out here from RCP 2017 Chart 1 and Chart 2, not read from the shipped
table, so a transcription error in the table fails these tests.
"""

import csv
import json
from decimal import Decimal

import pytest
from typer.testing import CliRunner

from octopus.cli import app
from octopus.virtualward import news2

NORMAL = dict(
    respiration_rate=16,
    spo2=97,
    spo2_scale=1,
    on_oxygen=False,
    systolic_bp=120,
    pulse=70,
    consciousness="A",
    temperature=Decimal("37.0"),
)


def scored(**changes):
    return news2.score(news2.Observation(**{**NORMAL, **changes}))


def test_a_normal_set_scores_zero_and_low():
    result = scored()
    assert result.total == 0 and result.risk == "low"
    assert set(result.scores) == set(news2.PARAMETERS) and set(result.scores.values()) == {0}


@pytest.mark.parametrize("value, points", [
    (1, 3), (8, 3), (9, 1), (11, 1), (12, 0), (20, 0), (21, 2), (24, 2), (25, 3), (80, 3),
])  # fmt: skip
def test_respiration_rate_band_edges(value, points):
    assert scored(respiration_rate=value).scores["respiration_rate"] == points


@pytest.mark.parametrize("value, points", [
    (50, 3), (91, 3), (92, 2), (93, 2), (94, 1), (95, 1), (96, 0), (100, 0),
])  # fmt: skip
@pytest.mark.parametrize("on_oxygen", [False, True])
def test_spo2_scale_1_band_edges_whatever_the_oxygen(value, points, on_oxygen):
    assert scored(spo2=value, on_oxygen=on_oxygen).scores["spo2"] == points


@pytest.mark.parametrize("value, on_air, on_oxygen", [
    (50, 3, 3), (83, 3, 3), (84, 2, 2), (85, 2, 2), (86, 1, 1), (87, 1, 1), (88, 0, 0), (92, 0, 0),
    (93, 0, 1), (94, 0, 1), (95, 0, 2), (96, 0, 2), (97, 0, 3), (100, 0, 3),
])  # fmt: skip
def test_spo2_scale_2_band_edges_on_air_and_on_oxygen(value, on_air, on_oxygen):
    assert scored(spo2=value, spo2_scale=2, on_oxygen=False).scores["spo2"] == on_air
    assert scored(spo2=value, spo2_scale=2, on_oxygen=True).scores["spo2"] == on_oxygen


def test_supplemental_oxygen_scores_two():
    assert scored(on_oxygen=True).scores["air_or_oxygen"] == 2
    assert scored(on_oxygen=False).scores["air_or_oxygen"] == 0


@pytest.mark.parametrize("value, points", [
    (40, 3), (90, 3), (91, 2), (100, 2), (101, 1), (110, 1), (111, 0), (219, 0), (220, 3), (300, 3),
])  # fmt: skip
def test_systolic_blood_pressure_band_edges(value, points):
    assert scored(systolic_bp=value).scores["systolic_bp"] == points


@pytest.mark.parametrize("value, points", [
    (1, 3), (40, 3), (41, 1), (50, 1), (51, 0), (90, 0), (91, 1), (110, 1), (111, 2), (130, 2), (131, 3), (250, 3),
])  # fmt: skip
def test_pulse_band_edges(value, points):
    assert scored(pulse=value).scores["pulse"] == points


@pytest.mark.parametrize("level, points", [("A", 0), ("C", 3), ("V", 3), ("P", 3), ("U", 3)])
def test_consciousness_new_confusion_scores_three_like_voice_pain_unresponsive(level, points):
    assert scored(consciousness=level).scores["consciousness"] == points


@pytest.mark.parametrize("value, points", [
    ("25.0", 3), ("35.0", 3), ("35.1", 1), ("36.0", 1), ("36.1", 0), ("38.0", 0), ("38.1", 1), ("39.0", 1),
    ("39.1", 2), ("45.0", 2),
])  # fmt: skip
def test_temperature_band_edges(value, points):
    assert scored(temperature=Decimal(value)).scores["temperature"] == points


def test_a_temperature_between_chart_values_is_read_to_one_decimal_place():
    assert news2.temperature("35.05") == Decimal("35.1")
    assert scored(temperature=news2.temperature("35.04")).scores["temperature"] == 3


@pytest.mark.parametrize(
    "changes, total, risk",
    [
        (dict(respiration_rate=21, pulse=91), 3, "low"),
        (dict(respiration_rate=21, pulse=91, temperature=Decimal("38.1")), 4, "low"),
        (dict(consciousness="C"), 3, "low-medium"),  # a single red score with a low total
        (dict(respiration_rate=25, pulse=91), 4, "low-medium"),
        (dict(respiration_rate=25, pulse=111), 5, "medium"),  # 5 is medium even with a single 3
        (dict(respiration_rate=21, pulse=111, temperature=Decimal("38.1")), 5, "medium"),
        (dict(respiration_rate=21, pulse=111, systolic_bp=101, temperature=Decimal("38.1")), 6, "medium"),
        (dict(respiration_rate=21, pulse=111, systolic_bp=91, temperature=Decimal("38.1")), 7, "high"),
        (
            dict(
                respiration_rate=25,
                systolic_bp=90,
                consciousness="U",
                on_oxygen=True,
                spo2=91,
                pulse=131,
                temperature=Decimal("35.0"),
            ),
            20,
            "high",
        ),
    ],
)
def test_aggregate_and_clinical_risk(changes, total, risk):
    result = scored(**changes)
    assert (result.total, result.risk) == (total, risk)
    assert result.response == news2.RESPONSE[risk]


@pytest.mark.parametrize(
    "changes, field",
    [
        (dict(spo2=150), "spo2"),
        (dict(spo2=101), "spo2"),
        (dict(pulse=0), "pulse"),
        (dict(pulse=0, consciousness="V"), "pulse"),
        (dict(temperature=Decimal("60.0")), "temperature"),
        (dict(temperature=Decimal("24.9")), "temperature"),
        (dict(respiration_rate=0), "respiration_rate"),
        (dict(systolic_bp=301), "systolic_bp"),
        (dict(spo2_scale=3), "spo2_scale"),
        (dict(consciousness="X"), "consciousness"),
    ],
)
def test_implausible_values_are_refused_naming_the_field_and_units(changes, field):
    with pytest.raises(news2.ImplausibleValue) as refused:
        scored(**changes)
    assert refused.value.field == field
    if field in news2.UNITS:
        assert news2.UNITS[field] in str(refused.value)


def test_the_shipped_table_is_the_rcp_chart_and_attributed():
    with news2.REFERENCE.open(newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    assert {row["parameter"] for row in rows} == {
        "respiration_rate_per_min",
        "spo2_scale1_pct",
        "spo2_scale2_pct",
        "air_or_oxygen",
        "systolic_bp_mmhg",
        "pulse_per_min",
        "consciousness_acvpu",
        "temperature_c",
    }
    two_valued = {
        (row["parameter"], row["band_description"]): int(row["score"])
        for row in rows
        if not row["lower_inclusive"] and not row["upper_inclusive"]
    }
    assert two_valued[("air_or_oxygen", "oxygen")] == 2 and two_valued[("consciousness_acvpu", "Alert")] == 0
    assert "Royal College of Physicians" in (news2.REFERENCE.parent / "README.md").read_text()


def run(*args):
    return CliRunner().invoke(app, ["news2", *args])


def test_cli_prints_the_json_the_issue_specifies():
    result = run(*"--rr 22 --spo2 92 --scale 1 --air --sbp 105 --pulse 95 --consciousness A --temp 38.4".split())
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout) == {
        "scores": {
            "respiration_rate": 2,
            "spo2": 2,
            "air_or_oxygen": 0,
            "systolic_bp": 1,
            "pulse": 1,
            "consciousness": 0,
            "temperature": 1,
        },
        "total": 7,
        "risk": "high",
    }


def test_cli_scale_2_on_oxygen_and_low_medium():
    result = run(*"--rr 16 --spo2 93 --scale 2 --oxygen --sbp 120 --pulse 70 --consciousness C --temp 37.0".split())
    assert json.loads(result.stdout) == {
        "scores": {
            "respiration_rate": 0,
            "spo2": 1,
            "air_or_oxygen": 2,
            "systolic_bp": 0,
            "pulse": 0,
            "consciousness": 3,
            "temperature": 0,
        },
        "total": 6,
        "risk": "medium",
    }
    result = run(*"--rr 16 --spo2 97 --air --sbp 120 --pulse 70 --consciousness C --temp 37.0".split())
    assert json.loads(result.stdout)["risk"] == "low-medium"


def test_cli_refuses_an_implausible_value_naming_the_option():
    result = run(*"--rr 16 --spo2 97 --air --sbp 120 --pulse 70 --consciousness A --temp 60".split())
    assert result.exit_code == 2
    assert "--temp" in result.stderr and "°C" in result.stderr and result.stdout == ""
