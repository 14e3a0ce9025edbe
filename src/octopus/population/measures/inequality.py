"""Inequality measures across deprivation groups.

The slope index of inequality (SII) is the absolute difference in a rate between the most and
least deprived ends of the population, estimated from every group rather than only the two
extremes. Method as in the Public Health England technical guide *Calculating the slope index of
inequality* (2013) and Low & Low, "Measuring the gap: quantifying and comparing local health
inequalities", J Public Health 2004;26:388-95: each group is placed at the midpoint of its
cumulative share of the population (its ridit), and the rate is regressed on that position with
weights equal to the population, so that SII = the fitted rate at the most deprived end minus the
fitted rate at the least deprived end.

Groups must be ordered from MOST deprived to LEAST deprived (IMD quintile 1 first), so a positive
SII means the rate is higher in more deprived groups.
"""

import math
from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class SlopeIndex:
    sii: float
    lower: float
    upper: float
    # Relative index: the ratio of fitted rates at the two ends (only where both are positive).
    rii: float | None
    groups: int

    def describe(self, unit: str = "percentage points", scale: float = 100) -> str:
        direction = "higher" if self.sii > 0 else "lower"
        return (
            f"The rate is {abs(self.sii) * scale:.1f} {unit} {direction} at the most deprived end "
            f"than at the least deprived end (95% CI {self.lower * scale:.1f} to {self.upper * scale:.1f})."
        )


def slope_index_of_inequality(numerators, denominators, z: float = 1.96) -> SlopeIndex:
    """SII for a proportion (numerator/denominator per group, most deprived first)."""
    numerators = np.asarray(numerators, dtype=float)
    denominators = np.asarray(denominators, dtype=float)
    if numerators.shape != denominators.shape or numerators.ndim != 1:
        raise ValueError("numerators and denominators must be two lists of the same length")
    if len(numerators) < 3:
        raise ValueError("the slope index of inequality needs at least three groups")
    if (denominators <= 0).any():
        raise ValueError("every group needs a population above zero")
    if ((numerators < 0) | (numerators > denominators)).any():
        raise ValueError("each numerator must lie between 0 and its denominator")

    rates = numerators / denominators
    shares = denominators / denominators.sum()
    ridits = np.cumsum(shares) - shares / 2  # midpoint of each group's cumulative share
    # Weighted least squares of rate on ridit, weights = population share.
    x_mean = np.sum(shares * ridits)
    y_mean = np.sum(shares * rates)
    sxx = np.sum(shares * (ridits - x_mean) ** 2)
    slope = np.sum(shares * (ridits - x_mean) * (rates - y_mean)) / sxx
    intercept = y_mean - slope * x_mean
    # Standard error from each group's binomial variance propagated through the WLS weights
    # (the rates' sampling error dominates for population data, as in the PHE guide).
    variances = rates * (1 - rates) / denominators
    coefficients = shares * (ridits - x_mean) / sxx
    se = math.sqrt(float(np.sum(coefficients**2 * variances)))
    # x=0 is the most deprived end, x=1 the least: SII = fitted(0) - fitted(1) = -slope.
    sii = -slope
    at_most, at_least = intercept, intercept + slope
    rii = at_most / at_least if at_most > 0 and at_least > 0 else None
    return SlopeIndex(sii=float(sii), lower=float(sii - z * se), upper=float(sii + z * se), rii=rii, groups=len(rates))
