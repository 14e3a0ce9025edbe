"""Spec: matched difference-in-differences (octopus.stats.impact) against hand-worked values."""

import math

import numpy as np
import pandas as pd
import pytest

from octopus.stats.impact import (
    difference_in_differences,
    match,
    propensity_scores,
    standardised_differences,
)


def test_paired_difference_in_differences_by_hand():
    # Pair changes: treated -2, 0, -2; comparators -1, 0, -1; differences -1, 0, -1.
    result = difference_in_differences([2, 1, 3], [0, 1, 1], [2, 1, 3], [1, 1, 2])
    assert result.pairs == 3 and result.estimate == pytest.approx(-2 / 3)
    # s.d. of (-1, 0, -1) is sqrt(1/3); s.e. 1/3; t(0.975, 2 d.f.) = 4.302653 (statistical tables).
    half = 4.302653 / 3
    assert (result.lower, result.upper) == (
        pytest.approx(-2 / 3 - half, abs=1e-6),
        pytest.approx(-2 / 3 + half, abs=1e-6),
    )
    assert (result.treated_before, result.treated_after) == (pytest.approx(2.0), pytest.approx(2 / 3))
    assert (result.comparison_before, result.comparison_after) == (pytest.approx(2.0), pytest.approx(4 / 3))


def test_no_change_beyond_the_comparators_gives_zero():
    result = difference_in_differences([3, 5, 2, 4], [1, 2, 1, 2], [3, 5, 2, 4], [1, 2, 1, 2])
    assert result.estimate == 0 and result.lower == result.upper == 0


def test_difference_needs_aligned_pairs():
    with pytest.raises(ValueError, match="one entry per matched pair"):
        difference_in_differences([1, 2], [1], [1, 2], [1, 2])
    with pytest.raises(ValueError, match="at least two"):
        difference_in_differences([1], [1], [1], [1])


def test_standardised_mean_difference_by_hand():
    treated = pd.DataFrame({"age": [1.0, 2.0, 3.0], "flag": [1, 1, 1]})
    comparators = pd.DataFrame({"age": [2.0, 3.0, 4.0], "flag": [1, 1, 1]})
    # Means differ by -1; both variances are 1, so the pooled s.d. is 1.
    assert standardised_differences(treated, comparators, ["age", "flag"]) == {"age": -1.0, "flag": 0.0}


def _logistic(x):
    return 1 / (1 + math.exp(-x))


def test_matching_nearest_on_the_logit_without_replacement_within_the_caliper():
    # Scores chosen on the logit scale: treated at 0.0 and 0.1, comparators at 0.05, 0.3, 3.0.
    logits = {"t1": 0.0, "t2": 0.1, "c1": 0.05, "c2": 0.3, "c3": 3.0}
    frame = pd.DataFrame(
        {"treated": [k.startswith("t") for k in logits], "score": [_logistic(v) for v in logits.values()]},
        index=list(logits),
    )
    result = match(frame, "treated", "score")
    # s.d. of the five logits (sample): the caliper is 0.2 of it.
    assert result.caliper == pytest.approx(0.2 * np.std(list(logits.values()), ddof=1))
    # t2 (highest) takes c1 (0.05 away). The nearest left for t1 is c2, 0.3 away, beyond the
    # caliper (0.2 × 1.296 = 0.259), so t1 is left unmatched rather than matched badly.
    assert result.pairs == [("t2", "c1")] and result.unmatched == ["t1"]


def test_equal_distances_take_the_lower_score():
    logits = {"t": 0.0, "low": -0.1, "high": 0.1, "far": 5.0}
    frame = pd.DataFrame(
        {"treated": [k == "t" for k in logits], "score": [_logistic(v) for v in logits.values()]}, index=list(logits)
    )
    assert match(frame, "treated", "score").pairs == [("t", "low")]


def test_propensity_rises_with_a_covariate_that_predicts_treatment():
    rng = np.random.default_rng(1)
    prior = rng.poisson(2, 400)
    treated = rng.random(400) < 1 / (1 + np.exp(-(prior - 2)))
    frame = pd.DataFrame({"prior": prior, "treated": treated})
    scores = propensity_scores(frame, "treated", ["prior"])
    by_prior = scores.groupby(frame["prior"]).mean()
    assert by_prior.is_monotonic_increasing and 0 < scores.min() < scores.max() < 1
    with pytest.raises(ValueError, match="treated and untreated"):
        propensity_scores(frame.assign(treated=True), "treated", ["prior"])
