"""Confidence intervals for a proportion and for a count of events.

Methods as recommended for public-health indicators in England:

- Association of Public Health Observatories (APHO), *Technical Briefing 3: Commonly used public
  health statistics and their confidence intervals* (2008), and its successor, Public Health
  England / OHID, *Fingertips technical guidance: Confidence intervals* — the Wilson score
  interval for proportions; for counts (and so for crude rates), the exact Poisson interval when
  there are fewer than 10 events and Byar's approximation from 10 events.
- Wilson EB, "Probable inference, the law of succession, and statistical inference", JASA
  1927;22:209-12; Newcombe RG, "Two-sided confidence intervals for the single proportion:
  comparison of seven methods", Stat Med 1998;17:857-72 (method 3, no continuity correction).
- Byar's approximation to the exact Poisson limits: Breslow NE, Day NE, *Statistical methods in
  cancer research, volume II* (IARC, 1987), p. 69.
- Exact Poisson limits from the chi-squared distribution (Garwood F, Biometrika 1936;28:437-42).

Proportions are returned as fractions (0-1); counts as counts: divide by the population (and
multiply by 1,000 or 100,000) to get the interval of a crude rate.
"""

from __future__ import annotations

import math

from scipy import stats

# APHO/PHE: Byar's method is accurate enough from 10 events; below that use the exact limits.
BYAR_FROM_EVENTS = 10


def z_for(confidence: float) -> float:
    """The two-sided standard normal quantile for a confidence level (0.95 -> 1.959964)."""
    if not 0 < confidence < 1:
        raise ValueError(f"confidence must lie between 0 and 1 (got {confidence}); write 95% as 0.95")
    return float(stats.norm.ppf(1 - (1 - confidence) / 2))


def proportion_ci(numerator: float, denominator: float, confidence: float = 0.95) -> tuple[float, float]:
    """Wilson score interval for numerator/denominator, as fractions: ``(lower, upper)``.

    >>> [round(v, 4) for v in proportion_ci(81, 263)]  # Newcombe 1998, table II
    [0.2553, 0.3662]
    """
    if denominator <= 0:
        raise ValueError(f"the denominator must be above zero (got {denominator})")
    if not 0 <= numerator <= denominator:
        raise ValueError(f"the numerator must lie between 0 and the denominator (got {numerator} of {denominator})")
    z = z_for(confidence)
    p = numerator / denominator
    centre = 2 * numerator + z * z
    spread = z * math.sqrt(z * z + 4 * numerator * (1 - p))
    scale = 2 * (denominator + z * z)
    lower = 0.0 if numerator == 0 else (centre - spread) / scale
    upper = 1.0 if numerator == denominator else (centre + spread) / scale
    return lower, upper


def exact_poisson_ci(count: float, confidence: float = 0.95) -> tuple[float, float]:
    """Exact (Garwood) limits for a Poisson count, from the chi-squared distribution."""
    _check_count(count)
    alpha = 1 - confidence
    if not 0 < alpha < 1:
        raise ValueError(f"confidence must lie between 0 and 1 (got {confidence})")
    lower = 0.0 if count == 0 else float(stats.chi2.ppf(alpha / 2, 2 * count) / 2)
    upper = float(stats.chi2.ppf(1 - alpha / 2, 2 * count + 2) / 2)
    return lower, upper


def byar_ci(count: float, confidence: float = 0.95) -> tuple[float, float]:
    """Byar's approximation to the exact Poisson limits (Breslow & Day 1987)."""
    _check_count(count)
    if count == 0:
        raise ValueError("Byar's method needs at least one event; use exact_poisson_ci for none")
    z = z_for(confidence)
    lower = count * (1 - 1 / (9 * count) - z / (3 * math.sqrt(count))) ** 3
    above = count + 1
    upper = above * (1 - 1 / (9 * above) + z / (3 * math.sqrt(above))) ** 3
    return lower, upper


def rate_ci(count: float, confidence: float = 0.95) -> tuple[float, float]:
    """Interval for a count of events: exact below 10 events, Byar's method from 10.

    Returned as counts: a crude rate's interval is ``(lower / population * per, upper / population * per)``.

    >>> [round(v, 3) for v in rate_ci(5)]
    [1.623, 11.668]
    """
    _check_count(count)
    if count < BYAR_FROM_EVENTS:
        return exact_poisson_ci(count, confidence)
    return byar_ci(count, confidence)


def _check_count(count: float) -> None:
    if count < 0 or not math.isfinite(count):
        raise ValueError(f"a count of events must be zero or more (got {count})")
