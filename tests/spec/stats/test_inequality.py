"""Spec: slope and relative indices of inequality, their sign convention and intervals."""

import numpy as np
import pytest

from octopus.population.measures.inequality import slope_index_of_inequality as old_path
from octopus.population.measures.variation import funnel as old_funnel
from octopus.stats import funnel, slope_index, slope_index_of_inequality


def test_sii_worked_example_equal_quintiles():
    # Five equal quintiles (ridits 0.1, 0.3, 0.5, 0.7, 0.9), values falling linearly from 50 in
    # the most deprived to 30 in the least: slope -25 per unit of the scale, so the fitted value
    # is 52.5 at the most deprived end (x=0) and 27.5 at the least (x=1).
    # SII = 52.5 - 27.5 = 25 (positive: higher where more deprived); RII = 52.5 / 27.5.
    result = slope_index([50, 45, 40, 35, 30], [1000] * 5, [1.0] * 5)
    assert result.sii == pytest.approx(25)
    assert result.rii == pytest.approx(52.5 / 27.5)
    # SE of the slope: weights share x (x - 0.5) / sxx with sxx = 0.2 x (0.16 + 0.04 + 0 + 0.04 + 0.16)
    # = 0.08, i.e. (-1, -0.5, 0, 0.5, 1); with each group's SE 1, SE = sqrt(2.5).
    assert result.upper - result.sii == pytest.approx(1.959964 * np.sqrt(2.5), abs=1e-5)
    assert result.rii_lower < result.rii < result.rii_upper


def test_sii_matches_weighted_least_squares_with_unequal_groups():
    values = np.array([0.42, 0.35, 0.37, 0.30, 0.22])
    populations = np.array([1200, 900, 1500, 800, 600])
    shares = populations / populations.sum()
    ridits = np.cumsum(shares) - shares / 2
    slope, intercept = np.polyfit(ridits, values, 1, w=np.sqrt(shares))
    result = slope_index(values, populations, [0.01] * 5)
    assert result.sii == pytest.approx(-slope)
    assert result.rii == pytest.approx(intercept / (intercept + slope))


def test_sii_sign_flips_when_the_gradient_does():
    result = slope_index([30, 35, 40, 45, 50], [1000] * 5, [1.0] * 5)
    assert result.sii == pytest.approx(-25) and result.rii < 1


def test_proportion_shortcut_uses_binomial_errors_and_old_import_path_works():
    numerators, denominators = [500, 450, 400, 350, 300], [1000] * 5
    rates = np.array(numerators) / 1000
    direct = slope_index(rates, denominators, np.sqrt(rates * (1 - rates) / 1000))
    shortcut = slope_index_of_inequality(numerators, denominators)
    assert shortcut == direct == old_path(numerators, denominators)
    assert old_funnel is funnel


def test_simulated_interval_converges_to_the_analytic_one():
    from octopus.stats.inequality import simulated_slope_interval

    values, populations, errors = (
        [72.1, 74.0, 76.3, 78.2, 80.9],
        [9000, 11000, 10000, 8000, 7000],
        [0.6, 0.5, 0.5, 0.6, 0.7],
    )
    analytic = slope_index(values, populations, errors)
    lower, upper = simulated_slope_interval(values, populations, errors)
    # Standard error of a 2.5% quantile from 100,000 draws is well under 1% of the half-width.
    assert lower == pytest.approx(analytic.lower, abs=0.02 * (analytic.upper - analytic.sii))
    assert upper == pytest.approx(analytic.upper, abs=0.02 * (analytic.upper - analytic.sii))
    assert simulated_slope_interval(values, populations, errors) == (lower, upper)  # seeded
