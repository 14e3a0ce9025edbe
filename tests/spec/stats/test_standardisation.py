"""Spec: directly standardised rates with Dobson's interval, worked by hand, and ESP2013."""

import pytest

from octopus.stats import dsr, esp2013_band, european_standard_population


def test_dsr_worked_example_by_hand():
    # Three age bands; standard population 3000, 2000, 1000 (total 6000).
    # Age-specific rates 5/1000, 20/2000, 40/1000 = 0.005, 0.01, 0.04.
    # DSR = (3000 x 0.005 + 2000 x 0.01 + 1000 x 0.04) / 6000 = 75 / 6000 = 0.0125 -> 1250 per 100,000.
    # var = (3000^2 x 5/1000^2 + 2000^2 x 20/2000^2 + 1000^2 x 40/1000^2) / 6000^2 = 105 / 36e6.
    # Total events X = 65; Byar limits for 65: 50.16319 and 82.84914 (test_intervals).
    # Dobson: DSR + sqrt(var / X) x (limit - X) = 0.0125 + 2.118296e-4 x (-14.83681 | +17.84914)
    #       = 0.0093571 and 0.0162810 -> 935.71 and 1628.10 per 100,000.
    value, lower, upper = dsr([5, 20, 40], [1000, 2000, 1000], [3000, 2000, 1000])
    assert value == pytest.approx(1250)
    assert lower == pytest.approx(935.71, abs=0.01)
    assert upper == pytest.approx(1628.10, abs=0.01)


def test_dsr_per_thousand_and_other_confidence():
    value, lower, upper = dsr([5, 20, 40], [1000, 2000, 1000], [3000, 2000, 1000], per=1000)
    assert value == pytest.approx(12.5)
    _, lower_998, upper_998 = dsr([5, 20, 40], [1000, 2000, 1000], [3000, 2000, 1000], confidence=0.998, per=1000)
    assert lower_998 < lower < value < upper < upper_998


def test_dsr_equals_crude_rate_when_age_structure_is_the_standard():
    standard = [b.population for b in european_standard_population()]
    populations = [p * 3 for p in standard]
    counts = [p * 3 // 100 for p in standard]  # 1% in every band
    value, _, _ = dsr(counts, populations)
    assert value == pytest.approx(1000)  # 1% = 1,000 per 100,000


def test_dsr_band_with_nobody_in_it_adds_nothing():
    with_empty, _, _ = dsr([5, 20, 0], [1000, 2000, 0], [3000, 2000, 1000])
    assert with_empty == pytest.approx((15 + 20) / 6000 * 100_000)
    with pytest.raises(ValueError, match="population of 0"):
        dsr([5, 20, 3], [1000, 2000, 0], [3000, 2000, 1000])


def test_dsr_refuses_no_events_and_mismatched_bands():
    with pytest.raises(ValueError, match="no events"):
        dsr([0, 0], [10, 10], [1, 1])
    with pytest.raises(ValueError, match="one value per age band"):
        dsr([1, 2], [10, 10, 10], [1, 1, 1])


def test_esp2013_has_nineteen_bands_summing_to_100000():
    bands = european_standard_population()
    assert len(bands) == 19 and sum(b.population for b in bands) == 100_000
    assert (bands[0].label, bands[0].population) == ("0-4", 5000)
    assert (bands[9].label, bands[9].population) == ("45-49", 7000)
    assert (bands[-1].label, bands[-1].population) == ("90+", 1000)
    assert [esp2013_band(a) for a in (0, 4, 5, 89, 90, 104)] == [0, 0, 1, 17, 18, 18]
