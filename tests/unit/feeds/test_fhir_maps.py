"""The LOINC and CVX maps: exactly the codes reviewed, each a well-formed SNOMED CT identifier."""

import pytest

from octopus.population.feeds.codes import is_valid_snomed_code
from octopus.population.feeds.fhir import CVX_TO_SNOMED, LOINC_TO_SNOMED


def test_maps_hold_exactly_the_reviewed_codes():
    # Adding a code is a clinical decision: change this count with the reviewed reference.
    assert len(LOINC_TO_SNOMED) == 18
    assert len(CVX_TO_SNOMED) == 14


@pytest.mark.parametrize("code", sorted({*LOINC_TO_SNOMED.values(), *CVX_TO_SNOMED.values()}))
def test_every_target_passes_the_snomed_check_digit(code):
    assert is_valid_snomed_code(code)


def test_common_synthea_observations_and_immunisations_are_mapped():
    for loinc in ("39156-5", "8480-6", "8462-4", "72166-2", "4548-4", "29463-7", "8302-2", "8867-4"):
        assert loinc in LOINC_TO_SNOMED
    for cvx in ("140", "208", "113", "33"):
        assert cvx in CVX_TO_SNOMED
