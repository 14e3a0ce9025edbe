"""Standard public-health statistics, usable in a notebook as well as by Octopus's pages.

Pure Python (numpy and scipy; no Django, no engine): ::

    from octopus.stats import proportion_ci, rate_ci, dsr

    proportion_ci(81, 263)          # Wilson score interval, as fractions: (0.2553..., 0.3662...)
    rate_ci(5)                      # a count's interval, as counts: exact below 10 events, Byar from 10
    dsr(counts, populations)        # directly standardised rate per 100,000 on the European Standard
                                    # Population 2013, with Dobson's interval: (value, lower, upper)

Methods follow the UK public-health technical guidance: APHO *Technical Briefing 3: Commonly used
public health statistics and their confidence intervals* (2008) and PHE/OHID's *Fingertips
technical guidance* on confidence intervals and on directly standardised rates; each module cites
its sources. Modules:

- ``intervals`` — ``proportion_ci`` (Wilson), ``rate_ci`` (exact Poisson / Byar), ``z_for``.
- ``standardisation`` — ``dsr`` (Dobson), ``european_standard_population`` (ESP2013, shipped in
  ``esp2013.csv`` with its source), ``esp2013_band``.
- ``inequality`` — slope and relative indices of inequality (SII, RII) with their sign convention.
- ``funnel`` — funnel-plot control limits for proportions (Spiegelhalter 2005).
- ``impact`` — a service's impact by matched difference-in-differences: propensity scores,
  1:1 caliper matching, standardised differences (balance) and the paired estimate with its
  interval (Rosenbaum and Rubin 1983; Austin 2009, 2011).
- ``life_expectancy`` — life expectancy at any band's start age from a Chiang II abridged life
  table with its interval (PHE/OHID Life Expectancy Calculator), and the Arriaga decomposition
  of a gap by age band and cause (PHE/OHID Segment Tool).
"""

from octopus.stats.funnel import FunnelPoint, funnel
from octopus.stats.inequality import SlopeIndex, slope_index, slope_index_of_inequality
from octopus.stats.intervals import byar_ci, exact_poisson_ci, proportion_ci, rate_ci, z_for
from octopus.stats.life_expectancy import (
    START_AGES,
    LifeTable,
    LifeTableError,
    arriaga,
    life_expectancy,
    life_table,
)
from octopus.stats.standardisation import (
    MIN_EVENTS,
    dsr,
    esp2013_band,
    european_standard_population,
)

__all__ = [
    "MIN_EVENTS",
    "START_AGES",
    "FunnelPoint",
    "LifeTable",
    "LifeTableError",
    "arriaga",
    "SlopeIndex",
    "byar_ci",
    "dsr",
    "esp2013_band",
    "european_standard_population",
    "exact_poisson_ci",
    "funnel",
    "life_expectancy",
    "life_table",
    "proportion_ci",
    "rate_ci",
    "slope_index",
    "slope_index_of_inequality",
    "z_for",
]
