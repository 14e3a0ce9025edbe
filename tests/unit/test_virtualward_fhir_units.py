"""UCUM units the virtual ward's FHIR import converts, and the ones it refuses (decision 0053)."""

from decimal import Decimal

import pytest

from octopus.virtualward import fhir_import, news2

UCUM = "http://unitsofmeasure.org"


def _read(value, unit, measure="temperature"):
    sent = fhir_import.Sent("obs.ndjson: line 1", {})
    return fhir_import._quantity(sent, "", {"value": value, "system": UCUM, "code": unit}, measure)


@pytest.mark.parametrize(
    "value, unit, celsius",
    [
        (37.0, "Cel", "37.0"),
        (98.6, "[degF]", "37.0"),
        (101.1, "[degF]", "38.4"),
        (310.15, "K", "37.0"),
        (95.0, "[degF]", "35.0"),
    ],
)
def test_temperatures_convert_to_celsius_to_the_charts_tenth(value, unit, celsius):
    assert news2.temperature(_read(value, unit)) == Decimal(celsius)


@pytest.mark.parametrize(
    "unit, measure", [("kPa", "systolic_bp"), ("[degR]", "temperature"), ("/h", "pulse"), ("1", "spo2")]
)
def test_other_units_are_refused_naming_line_field_and_what_is_accepted(unit, measure):
    with pytest.raises(fhir_import.FhirImportError) as refused:
        _read(12, unit, measure)
    assert str(refused.value).startswith(
        f"obs.ndjson: line 1: valueQuantity.code: {unit!r} is not a unit Octopus converts"
    )
    assert "accepted:" in str(refused.value)


def test_a_rate_with_a_ucum_annotation_means_per_minute():
    assert _read(18, "{breaths}/min", "respiration_rate") == Decimal(18)
