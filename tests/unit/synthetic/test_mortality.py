"""Synthetic mortality: deaths rise with deprivation and are higher for men, as in England, so the
life expectancy gap has something to show (decision 0040); causes follow age."""

import numpy as np

from octopus.synthetic import activity, registers


def _people(n, *, decile, female):
    return {
        "age": np.full(n, 80),
        "ltc_count": np.zeros(n, np.int64),
        "efi": np.zeros(n),
        "propensity": np.ones(n),
        "cancer": np.zeros(n, bool),
        "female": np.full(n, female),
        "imd_decile": np.full(n, decile, np.int8),
    }


def _died(people, seed=4):
    window = activity.Window(np.datetime64("2026-11-30"), 3)
    return (~np.isnat(activity.death_dates(people, window, np.random.default_rng(seed)))).mean()


def test_most_deprived_die_more_than_least_by_the_chosen_ratio():
    most, least = _died(_people(200_000, decile=1, female=True)), _died(_people(200_000, decile=10, female=True))
    # Hazard ratio 1.8 between the ends; 3-year death probabilities near 12% keep the ratio close to it.
    assert 1.6 < most / least < 1.85


def test_men_die_more_than_women():
    men, women = _died(_people(200_000, decile=5, female=False)), _died(_people(200_000, decile=5, female=True))
    assert 1.3 < men / women < 1.45


def test_causes_by_age_external_young_dementia_old():
    rng = np.random.default_rng(2)
    young = np.array(registers.CAUSES_OF_DEATH)[registers.underlying_causes(np.full(50_000, 30), rng)]
    old = np.array(registers.CAUSES_OF_DEATH)[registers.underlying_causes(np.full(50_000, 85), rng)]
    external = set(registers.CAUSE_GROUPS["external"])
    assert np.isin(young, list(external)).mean() > 0.25 > np.isin(old, list(external)).mean()
    assert np.isin(old, list(registers.CAUSE_GROUPS["mental"])).mean() > 0.1
