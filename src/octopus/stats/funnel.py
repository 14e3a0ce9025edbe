"""Funnel plots for comparing units (practices, PCNs) on a proportion (``octopus.stats.funnel``;
also importable from ``octopus.population.measures.variation``).

Control limits follow Spiegelhalter, "Funnel plots for comparing institutional performance",
Statistics in Medicine 2005;24:1185-1202: exact binomial limits around the overall proportion at
each denominator, with the interpolation the paper gives so the limits are smooth. Limits at
z = 1.96 (95%) and z = 3.09 (99.8%) are the conventional "warning" and "alarm" lines, as used
in NHS England's and PHE's Fingertips funnel plots.
"""

from dataclasses import dataclass

import numpy as np
from scipy import stats

WARNING_Z = 1.959964
ALARM_Z = 3.090232


@dataclass(frozen=True)
class FunnelPoint:
    unit: str
    numerator: int
    denominator: int
    proportion: float
    lower_95: float
    upper_95: float
    lower_998: float
    upper_998: float

    @property
    def position(self) -> str:
        if self.proportion > self.upper_998:
            return "above 99.8% limit"
        if self.proportion < self.lower_998:
            return "below 99.8% limit"
        if self.proportion > self.upper_95:
            return "above 95% limit"
        if self.proportion < self.lower_95:
            return "below 95% limit"
        return "within limits"


def binomial_limit(target: float, n: np.ndarray, z: float) -> np.ndarray:
    """Spiegelhalter 2005, appendix A.1.1: interpolated exact binomial limit for a proportion."""
    n = np.asarray(n, dtype=float)
    p = stats.norm.cdf(z)
    r = stats.binom.ppf(p, n, target)
    below = stats.binom.cdf(r, n, target)
    at_r_minus_1 = stats.binom.cdf(r - 1, n, target)
    mass = below - at_r_minus_1
    with np.errstate(divide="ignore", invalid="ignore"):
        alpha = np.where(mass > 0, (below - p) / mass, 0.0)
    return np.clip((r - alpha) / n, 0.0, 1.0)


def funnel(units, numerators, denominators) -> list[FunnelPoint]:
    numerators = np.asarray(numerators, dtype=float)
    denominators = np.asarray(denominators, dtype=float)
    if (denominators <= 0).any():
        raise ValueError("every unit needs a denominator above zero")
    target = numerators.sum() / denominators.sum()
    limits = {
        name: binomial_limit(target, denominators, sign * z)
        for name, sign, z in (
            ("upper_95", 1, WARNING_Z),
            ("lower_95", -1, WARNING_Z),
            ("upper_998", 1, ALARM_Z),
            ("lower_998", -1, ALARM_Z),
        )
    }
    return [
        FunnelPoint(
            unit=str(unit),
            numerator=int(numerators[i]),
            denominator=int(denominators[i]),
            proportion=float(numerators[i] / denominators[i]),
            **{name: float(values[i]) for name, values in limits.items()},
        )
        for i, unit in enumerate(units)
    ]
