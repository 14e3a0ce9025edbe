"""Life expectancy from an abridged life table, and the Arriaga decomposition of a gap.

**Life table.** Chiang's method II abridged life table on the age bands ONS and OHID use for
local life expectancy: under 1, 1-4, then 5-year bands to 85-89, and 90 and over (20 bands),
exactly as PHE/OHID's *Life Expectancy Calculator* (Fingertips technical guidance, "PH methods";
implemented as ``phe_life_expectancy`` in the PHEindicatormethods R package):

- ``M_i = D_i / P_i`` (deaths over person-years, i.e. population summed over the years);
- the fraction of the band lived by those who die in it, ``a_i``, is 0.1 under 1 (deaths in the
  first year cluster in the first weeks) and 0.5 in every other band;
- ``q_i = n_i M_i / (1 + n_i (1 - a_i) M_i)``, and everyone alive at 90 dies in the open band
  (``q = 1``), where the years lived are ``L_w = l_w / M_w``;
- ``l_0 = 100,000``, ``L_i = n_i (l_{i+1} + a_i d_i)``, ``e_x = T_x / l_x``.

**Interval.** Chiang's variance of ``e_x`` is the weighted sum of the variances of the ``q_i``,
``var(q_i) = q_i^2 (1 - q_i) / D_i``, with weights ``l_i^2 ((1 - a_i) n_i + e_{i+1})^2``; with
Silcocks' term for the open band, ``(l_w / 2)^2 x 4 / (D_w M_w^2)``, since survival there
depends on the mean length of life ``1/M_w`` rather than on a probability (Silcocks PBS, Jenner
DA, Reza R, J Epidemiol Community Health 2001;55:38-43). ``var(e_x) = sum_{i>=x} W_i / l_x^2``;
the interval is ``e_x +/- z sqrt(var)``.

References: Chiang CL, *Introduction to Stochastic Processes in Biostatistics* (Wiley, 1968),
pp. 189-214; Eayres DP, Williams ES, "Evaluation of methodologies for small area life expectancy
estimation", J Epidemiol Community Health 2004;58:243-9; Toson B, Baker A, *Life expectancy at
birth: methodological options for small populations*, National Statistics Methodology Series 33
(2003), which sets 5,000 person-years as the smallest population for a robust estimate.

**Decomposition.** Arriaga EE, "Measuring and explaining the change in life expectancies",
Demography 1984;21:83-96: the difference in life expectancy at birth between two life tables is
the sum of each age band's direct and indirect-plus-interaction effects; each band's part is
shared between causes of death in proportion to the difference in their death rates, as in
PHE/OHID's *Segment Tool* (technical document, 2016; methods after Arriaga).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np

from octopus.stats.intervals import z_for

# ONS and OHID local life expectancy: under 1, 1-4, 5-9, ..., 85-89, 90+.
START_AGES: tuple[int, ...] = (0, 1, *range(5, 95, 5))
# Fraction of the band lived by those who die in it (PHE Life Expectancy Calculator).
FIRST_YEAR_FRACTION = 0.1
OTHER_FRACTION = 0.5
RADIX = 100_000
# Toson & Baker 2003: below 5,000 person-years an estimate is not robust (PHE suppresses it).
MIN_PERSON_YEARS = 5_000
# PHE suppresses a life expectancy whose 95% interval is wider than 20 years.
MAX_INTERVAL_WIDTH = 20.0


class LifeTableError(ValueError):
    """The deaths and populations cannot make a life table; the message says which band and why."""


def band_label(start_age: int) -> str:
    if start_age == START_AGES[-1]:
        return f"{start_age}+"
    following = START_AGES[START_AGES.index(start_age) + 1]
    return "under 1" if start_age == 0 else f"{start_age}-{following - 1}"


@dataclass(frozen=True)
class LifeTable:
    """One abridged life table: each column one value per band of :data:`START_AGES`."""

    populations: np.ndarray
    deaths: np.ndarray
    widths: np.ndarray  # n_i (the open band's entry is not used)
    fractions: np.ndarray  # a_i
    rates: np.ndarray  # M_i
    probabilities: np.ndarray  # q_i
    survivors: np.ndarray  # l_i
    years_lived: np.ndarray  # L_i
    years_to_come: np.ndarray  # T_i
    expectancy: np.ndarray  # e_i
    variance: np.ndarray  # var(e_i)

    def at(self, start_age: int, confidence: float = 0.95) -> tuple[float, float, float]:
        """``(value, lower, upper)`` of life expectancy at ``start_age`` (a band's first age)."""
        if start_age not in START_AGES:
            raise LifeTableError(
                f"life expectancy is given at the start of a band: {start_age} is not one of "
                f"{', '.join(map(str, START_AGES))}"
            )
        i = START_AGES.index(start_age)
        half = z_for(confidence) * math.sqrt(self.variance[i])
        value = float(self.expectancy[i])
        return value, value - half, value + half


def life_table(populations, deaths) -> LifeTable:
    """The Chiang II abridged life table for 20 bands' person-years and deaths (under 1 first)."""
    populations = np.asarray(populations, dtype=float)
    deaths = np.asarray(deaths, dtype=float)
    bands = len(START_AGES)
    if populations.shape != (bands,) or deaths.shape != (bands,):
        raise LifeTableError(
            f"a life table needs a population and a number of deaths for each of the {bands} "
            f"age bands (under 1, 1-4, 5-9, ..., 85-89, 90+); got {populations.size} "
            f"populations and {deaths.size} death counts"
        )
    for i, start in enumerate(START_AGES):
        label = band_label(start)
        if not np.isfinite(populations[i]) or populations[i] <= 0:
            raise LifeTableError(
                f"the {label} band has no population (person-years {populations[i]:g}); "
                "life expectancy cannot be calculated with an empty band"
            )
        if not np.isfinite(deaths[i]) or deaths[i] < 0:
            raise LifeTableError(f"the {label} band has {deaths[i]:g} deaths; deaths must be zero or more")
        if deaths[i] > populations[i]:
            raise LifeTableError(
                f"the {label} band has more deaths ({deaths[i]:g}) than population "
                f"({populations[i]:g}); check that both cover the same people and years"
            )
    if deaths[-1] == 0:
        raise LifeTableError(
            f"the {band_label(START_AGES[-1])} band has no deaths: the open band's years of life "
            "(population over deaths) cannot be estimated"
        )
    starts = np.array(START_AGES, dtype=float)
    widths = np.append(np.diff(starts), np.nan)
    fractions = np.where(starts == 0, FIRST_YEAR_FRACTION, OTHER_FRACTION)
    rates = deaths / populations
    n, a, m = widths[:-1], fractions[:-1], rates[:-1]
    # Chiang II: a band whose deaths would more than empty it is closed (q = 1), as in the calculator.
    closed = m * n * a >= 1
    q = np.append(np.where(closed, 1.0, n * m / (1 + n * (1 - a) * m)), 1.0)
    survivors = RADIX * np.concatenate(([1.0], np.cumprod(1 - q[:-1])))
    died = survivors - np.append(survivors[1:], 0.0)
    years_lived = np.append(n * (survivors[1:] + a * died[:-1]), survivors[-1] / rates[-1])
    years_to_come = np.cumsum(years_lived[::-1])[::-1]
    with np.errstate(divide="ignore", invalid="ignore"):
        expectancy = np.where(survivors > 0, years_to_come / survivors, 0.0)
        q_variance = np.where(deaths[:-1] > 0, q[:-1] ** 2 * (1 - q[:-1]) / deaths[:-1], 0.0)
    weights = np.append(
        q_variance * survivors[:-1] ** 2 * ((1 - a) * n + expectancy[1:]) ** 2,
        (survivors[-1] / 2) ** 2 * 4 / (deaths[-1] * rates[-1] ** 2),  # Silcocks et al. 2001
    )
    with np.errstate(divide="ignore", invalid="ignore"):
        variance = np.where(survivors > 0, np.cumsum(weights[::-1])[::-1] / survivors**2, 0.0)
    return LifeTable(
        populations, deaths, widths, fractions, rates, q, survivors, years_lived, years_to_come, expectancy, variance
    )


def life_expectancy(start_ages, populations, deaths, confidence: float = 0.95) -> list[tuple[float, float, float]]:
    """Life expectancy at each of ``start_ages``, one ``(value, lower, upper)`` each, in years.

    ``populations`` and ``deaths`` are per band of :data:`START_AGES` (under 1, 1-4, 5-9, ...,
    85-89, 90+): person-years (the population summed over the years covered) and deaths in
    them. Raises :class:`LifeTableError` naming the band when a band has no population or more
    deaths than population, or the open band has no deaths.

    >>> populations = [1000] * 18 + [1000, 500]
    >>> deaths = [0] * 18 + [100, 250]
    >>> [round(v, 2) for v in life_expectancy([0], populations, deaths)[0]]
    [90.2, 89.89, 90.51]
    """
    table = life_table(populations, deaths)
    return [table.at(int(age), confidence) for age in start_ages]


def arriaga(
    first: LifeTable, second: LifeTable, causes: Mapping[str, tuple[np.ndarray, np.ndarray]] | None = None
) -> tuple[np.ndarray, dict[str, np.ndarray]]:
    """Each band's contribution (years) to ``e0(second) - e0(first)`` and, if ``causes`` is given,
    its split by cause.

    ``causes`` maps a cause to its deaths per band in ``first`` and in ``second`` (the causes'
    deaths add up to each table's deaths). A band's contribution is shared between causes in
    proportion to the difference in their death rates (``m2 - m1``); where the all-cause rates do
    not differ the band contributes nothing to share, and is given to no cause.
    """
    l1, l2 = first.survivors, second.survivors
    big_l1, big_l2 = first.years_lived, second.years_lived
    t2 = second.years_to_come
    last = len(START_AGES) - 1
    direct = l1[:-1] / RADIX * (big_l2[:-1] / l2[:-1] - big_l1[:-1] / l1[:-1])
    indirect = t2[1:] / RADIX * (l1[:-1] / l2[:-1] - l1[1:] / l2[1:])
    open_band = l1[last] / RADIX * (t2[last] / l2[last] - first.years_to_come[last] / l1[last])
    by_band = np.append(direct + indirect, open_band)
    by_cause: dict[str, np.ndarray] = {}
    if causes:
        rate_gap = second.rates - first.rates
        for cause, (deaths_first, deaths_second) in causes.items():
            cause_gap = (
                np.asarray(deaths_second, float) / second.populations
                - np.asarray(deaths_first, float) / first.populations
            )
            with np.errstate(divide="ignore", invalid="ignore"):
                by_cause[cause] = np.where(rate_gap != 0, by_band * cause_gap / rate_gap, 0.0)
    return by_band, by_cause
