"""Inequality measures across deprivation groups.

The slope index of inequality (SII) is the absolute difference in a rate between the most and
least deprived ends of the population, estimated from every group rather than only the two
extremes. Method as in the Public Health England technical guide *Calculating the slope index of
inequality* (2013) and Low & Low, "Measuring the gap: quantifying and comparing local health
inequalities", J Public Health 2004;26:388-95: each group is placed at the midpoint of its
cumulative share of the population (its ridit), and the rate is regressed on that position with
weights equal to the population, so that SII = the fitted rate at the most deprived end minus the
fitted rate at the least deprived end.

**Sign convention.** Groups must be ordered from MOST deprived to LEAST deprived (IMD quintile 1
first). SII = fitted value at the most deprived end minus the fitted value at the least deprived
end, so a positive SII means the indicator is higher in more deprived groups; RII = fitted value
at the most deprived end divided by the fitted value at the least deprived end (above 1: higher
where more deprived). PHE's Fingertips SII tool (PHEindicatormethods ``phe_sii``) orients the
scale the other way (least deprived minus most deprived) for indicators such as life expectancy;
its figures for the same data are ours with the sign changed and the RII inverted.

**Intervals.** PHE's tool simulates each group's value from its standard error; for this
estimator, which is linear in the group values, the normal simulation converges to the analytic
interval used here: SII ± z x SE, with SE propagated from each group's standard error through
the weighted least squares; the RII's interval is the delta method's on the log scale.

:func:`slope_index` takes any group values with their standard errors (for example directly
standardised rates); :func:`slope_index_of_inequality` is the shortcut for a proportion.
"""

import math
from dataclasses import dataclass

import numpy as np
from scipy import stats

from octopus.stats.intervals import z_for


@dataclass(frozen=True)
class SlopeIndex:
    sii: float
    lower: float
    upper: float
    # Relative index: the ratio of fitted values at the two ends (only where both are positive).
    rii: float | None
    groups: int
    rii_lower: float | None = None
    rii_upper: float | None = None

    def describe(self, unit: str = "percentage points", scale: float = 100, digits: int = 1) -> str:
        direction = "higher" if self.sii > 0 else "lower"
        return (
            f"The rate is {abs(self.sii) * scale:.{digits}f} {unit} {direction} at the most deprived end "
            f"than at the least deprived end (95% CI {self.lower * scale:.{digits}f} to "
            f"{self.upper * scale:.{digits}f})."
        )


def slope_index(values, populations, standard_errors, confidence: float = 0.95) -> SlopeIndex:
    """SII and RII for any indicator: one value, population and standard error per group.

    Groups are ordered most deprived first; populations place each group on the 0-1 scale of
    the whole population (its ridit) and weight the regression.
    """
    values = np.asarray(values, dtype=float)
    populations = np.asarray(populations, dtype=float)
    errors = np.asarray(standard_errors, dtype=float)
    if not (values.shape == populations.shape == errors.shape) or values.ndim != 1:
        raise ValueError("values, populations and standard errors must be three lists of the same length")
    if len(values) < 3:
        raise ValueError("the slope index of inequality needs at least three groups")
    if (populations <= 0).any():
        raise ValueError("every group needs a population above zero")
    if (errors < 0).any() or not np.isfinite(errors).all() or not np.isfinite(values).all():
        raise ValueError("every group needs a value and a standard error of zero or more")
    z = z_for(confidence)
    shares = populations / populations.sum()
    ridits = np.cumsum(shares) - shares / 2  # midpoint of each group's cumulative share
    # Weighted least squares of value on ridit, weights = population share.
    x_mean = np.sum(shares * ridits)
    y_mean = np.sum(shares * values)
    sxx = np.sum(shares * (ridits - x_mean) ** 2)
    slope_weights = shares * (ridits - x_mean) / sxx
    slope = float(np.sum(slope_weights * (values - y_mean)))
    intercept = y_mean - slope * x_mean
    variances = errors**2
    se = math.sqrt(float(np.sum(slope_weights**2 * variances)))
    # x=0 is the most deprived end, x=1 the least: SII = fitted(0) - fitted(1) = -slope.
    sii = -slope
    at_most, at_least = intercept, intercept + slope
    rii = rii_lower = rii_upper = None
    if at_most > 0 and at_least > 0:
        rii = at_most / at_least
        # fitted(x) = sum_i c_i(x) y_i with c_i(x) = share_i + (x - x_mean) * slope_weight_i
        at_most_weights = shares - x_mean * slope_weights
        at_least_weights = shares + (1 - x_mean) * slope_weights
        var_most = float(np.sum(at_most_weights**2 * variances))
        var_least = float(np.sum(at_least_weights**2 * variances))
        covariance = float(np.sum(at_most_weights * at_least_weights * variances))
        log_se = math.sqrt(
            max(var_most / at_most**2 + var_least / at_least**2 - 2 * covariance / (at_most * at_least), 0.0)
        )
        rii_lower, rii_upper = rii * math.exp(-z * log_se), rii * math.exp(z * log_se)
    return SlopeIndex(
        sii=float(sii),
        lower=float(sii - z * se),
        upper=float(sii + z * se),
        rii=rii,
        groups=len(values),
        rii_lower=rii_lower,
        rii_upper=rii_upper,
    )


def slope_index_of_inequality(numerators, denominators, z: float | None = None, confidence: float = 0.95) -> SlopeIndex:
    """SII for a proportion (numerator/denominator per group, most deprived first).

    Each group's standard error is the binomial one, sqrt(p(1-p)/n): for population data the
    rates' sampling error dominates, as in the PHE guide. ``z`` is kept for older callers.
    """
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
    if z is not None:
        confidence = float(2 * stats.norm.cdf(z) - 1)
    rates = numerators / denominators
    errors = np.sqrt(rates * (1 - rates) / denominators)
    return slope_index(rates, denominators, errors, confidence)


# PHE's SII tool (PHEindicatormethods ``phe_sii``) draws 100,000 sets of group values.
SIMULATIONS = 100_000


def simulated_slope_interval(
    values, populations, standard_errors, confidence: float = 0.95, simulations: int = SIMULATIONS, seed: int = 17
) -> tuple[float, float]:
    """The SII's interval by simulation, as PHE's tool computes it for life expectancy: each
    group's value drawn from a normal distribution with its standard error, the SII of each draw,
    and the central ``confidence`` share of the draws (PHE, *Technical guide: calculating the
    slope index of inequality*, 2013). Seeded, so a page shows the same interval on every visit.
    For this linear estimator it converges to :func:`slope_index`'s analytic interval."""
    values = np.asarray(values, dtype=float)
    populations = np.asarray(populations, dtype=float)
    errors = np.asarray(standard_errors, dtype=float)
    slope_index(values, populations, errors, confidence)  # the same checks and refusals
    shares = populations / populations.sum()
    ridits = np.cumsum(shares) - shares / 2
    x_mean = np.sum(shares * ridits)
    slope_weights = shares * (ridits - x_mean) / np.sum(shares * (ridits - x_mean) ** 2)
    draws = np.random.default_rng(seed).normal(values, errors, size=(simulations, len(values)))
    sii = -(draws - (draws * shares).sum(axis=1, keepdims=True)) @ slope_weights
    alpha = 1 - confidence
    lower, upper = np.quantile(sii, [alpha / 2, 1 - alpha / 2])
    return float(lower), float(upper)
