"""Directly age-standardised rates (DSRs) with Dobson's confidence interval.

A DSR is the rate a group would have if it had the age structure of a standard population:
the group's age-specific rates weighted by the standard's population in each age band. Method
as in the Association of Public Health Observatories' *Technical Briefing 3* (2008) and PHE /
OHID, *Fingertips technical guidance: Directly standardised rates*:

    DSR = sum(w_i * x_i / n_i) / sum(w_i) * per
    var = sum(w_i**2 * x_i / n_i**2) / sum(w_i)**2

with the interval by Dobson et al., "Confidence intervals for weighted sums of Poisson
parameters", Stat Med 1991;10:457-62: the interval for the total count X (exact below 10
events, Byar's method from 10: ``intervals.rate_ci``) carried onto the DSR,

    lower = DSR + sqrt(var / X) * (X_lower - X) * per,  and likewise the upper limit.

The guidance says a DSR from fewer than 10 events is unreliable and is not published
(``MIN_EVENTS``); :func:`dsr` computes it anyway so an analyst can see it, and pages withhold it.

The standard is the European Standard Population 2013 (``esp2013.csv``, shipped with its source),
19 five-year bands from 0-4 to 90+.
"""

from __future__ import annotations

import csv
import math
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from octopus.stats.intervals import rate_ci

ESP2013_FILE = Path(__file__).with_name("esp2013.csv")
MIN_EVENTS = 10  # PHE/OHID: no DSR is published from fewer than 10 events


@dataclass(frozen=True)
class AgeBand:
    age_from: int
    age_to: int | None  # None: open-ended (90+)
    population: int

    @property
    def label(self) -> str:
        return f"{self.age_from}+" if self.age_to is None else f"{self.age_from}-{self.age_to}"

    def contains(self, age: int) -> bool:
        return age >= self.age_from and (self.age_to is None or age <= self.age_to)


@lru_cache(maxsize=1)
def european_standard_population() -> tuple[AgeBand, ...]:
    """ESP2013's 19 age bands (0-4 ... 90+) and their standard populations (total 100,000)."""
    lines = [line for line in ESP2013_FILE.read_text().splitlines() if line and not line.startswith("#")]
    bands = tuple(
        AgeBand(int(row["age_from"]), int(row["age_to"]) if row["age_to"] else None, int(row["population"]))
        for row in csv.DictReader(lines)
    )
    if sum(b.population for b in bands) != 100_000:
        raise ValueError(f"{ESP2013_FILE}: the standard populations must sum to 100,000")
    return bands


def esp2013_band(age: int) -> int:
    """The index (0-18) of the ESP2013 band holding a completed age in years."""
    if age < 0:
        raise ValueError(f"an age cannot be negative (got {age})")
    return min(age // 5, 18)


@dataclass(frozen=True)
class DsrParts:
    """The pieces of a DSR before its interval: total events, the rate and its variance."""

    events: float
    rate: float  # per person (multiply by ``per``)
    variance: float  # of ``rate``


def dsr_parts(counts: Sequence[float], populations: Sequence[float], standard_populations: Sequence[float]) -> DsrParts:
    """Rate and variance per person (see the module docstring for the formulae).

    An age band with no population and no events adds nothing (a small group often has nobody
    aged 90+); a band with events but no population is an error in the data.
    """
    if not len(counts) == len(populations) == len(standard_populations):
        raise ValueError("counts, populations and standard_populations must have one value per age band each")
    total_standard = float(sum(standard_populations))
    if total_standard <= 0:
        raise ValueError("the standard populations must add up to more than zero")
    weighted = variance = 0.0
    for band, (x, n, w) in enumerate(zip(counts, populations, standard_populations, strict=True)):
        if x < 0 or n < 0 or w < 0:
            raise ValueError(f"age band {band}: counts and populations cannot be negative")
        if n == 0:
            if x > 0:
                raise ValueError(f"age band {band}: {x} events in a population of 0")
            continue
        weighted += w * x / n
        variance += w * w * x / (n * n)
    return DsrParts(float(sum(counts)), weighted / total_standard, variance / total_standard**2)


def dsr(
    counts: Sequence[float],
    populations: Sequence[float],
    standard_populations: Sequence[float] | None = None,
    confidence: float = 0.95,
    per: float = 100_000,
) -> tuple[float, float, float]:
    """Directly standardised rate per ``per`` with Dobson's interval: ``(value, lower, upper)``.

    ``standard_populations`` defaults to ESP2013 (then ``counts`` and ``populations`` must have
    its 19 bands, 0-4 to 90+). With no events at all the DSR is 0 and the interval undefined:
    an error, since Dobson's method scales the interval of the total count.
    """
    if standard_populations is None:
        standard_populations = [b.population for b in european_standard_population()]
    parts = dsr_parts(counts, populations, standard_populations)
    if parts.events == 0:
        raise ValueError("no events: a DSR's interval needs at least one (Dobson's method scales the count's)")
    low_count, high_count = rate_ci(parts.events, confidence)
    scale = math.sqrt(parts.variance / parts.events)
    value = parts.rate
    return (
        value * per,
        (value + scale * (low_count - parts.events)) * per,
        (value + scale * (high_count - parts.events)) * per,
    )
