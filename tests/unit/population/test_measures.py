import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from octopus.population.measures.inequality import slope_index_of_inequality
from octopus.population.measures.variation import funnel


def test_sii_equal_rates_is_zero():
    result = slope_index_of_inequality([100, 100, 100, 100, 100], [1000] * 5)
    assert result.sii == pytest.approx(0, abs=1e-12)
    assert result.rii == pytest.approx(1)


def test_sii_linear_gradient_recovers_the_gap():
    # Equal-sized quintiles, rate falling linearly from 0.5 (most deprived) to 0.3.
    rates = np.array([0.5, 0.45, 0.4, 0.35, 0.3])
    result = slope_index_of_inequality(rates * 10_000, [10_000] * 5)
    # Ridits 0.1..0.9 span 0.8 of the scale for a 0.2 fall, so the full-range gap is 0.25.
    assert result.sii == pytest.approx(0.25)
    assert result.lower < 0.25 < result.upper
    assert "higher at the most deprived end" in result.describe()


def test_sii_refuses_two_groups():
    with pytest.raises(ValueError, match="at least three groups"):
        slope_index_of_inequality([1, 2], [10, 10])


def test_sii_refuses_numerator_above_denominator():
    with pytest.raises(ValueError, match="between 0 and its denominator"):
        slope_index_of_inequality([1, 20, 3], [10, 10, 10])


@given(st.lists(st.integers(min_value=50, max_value=5000), min_size=3, max_size=10), st.floats(0.05, 0.95))
def test_sii_constant_rate_any_sizes_is_zero(sizes, rate):
    numerators = [size * rate for size in sizes]
    result = slope_index_of_inequality(numerators, sizes)
    assert result.sii == pytest.approx(0, abs=1e-9)


def test_funnel_flags_an_outlier_and_not_the_rest():
    units = ["A", "B", "C", "D", "OUT"]
    denominators = [1000, 1200, 800, 1500, 150]
    numerators = [120, 140, 95, 175, 40]
    points = {p.unit: p for p in funnel(units, numerators, denominators)}
    assert points["OUT"].position == "above 99.8% limit"
    assert all(points[u].position == "within limits" for u in "ABCD")


def test_funnel_limits_narrow_as_denominator_grows():
    points = funnel(["small", "large"], [10, 1000], [100, 10_000])
    small, large = points
    assert (small.upper_95 - small.lower_95) > (large.upper_95 - large.lower_95)
    assert small.lower_998 < small.lower_95 < small.upper_95 < small.upper_998
