"""Model-card figures: calibration slope and intercept (Cox 1958) and AUROC."""

import numpy as np
import pytest
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import roc_auc_score

from octopus.population.risk.metrics import auroc, calibration, logit


@pytest.mark.parametrize(("n", "intercept", "slope"), [(300, 0.2, 0.8), (20_000, -0.3, 1.2), (2_000, 0.0, 1.0)])
def test_calibration_slope_and_intercept_match_a_logistic_recalibration_fit(n, intercept, slope):
    rng = np.random.default_rng(n)
    p = rng.uniform(0.01, 0.6, n)
    truth = 1 / (1 + np.exp(-(intercept + slope * logit(p))))
    y = (rng.uniform(size=n) < truth).astype(int)
    reference = LogisticRegression(C=np.inf, max_iter=1000, tol=1e-10).fit(logit(p).reshape(-1, 1), y)
    figures = calibration(y, p)
    assert figures["intercept"] == pytest.approx(reference.intercept_[0], abs=1e-6)
    assert figures["slope"] == pytest.approx(reference.coef_[0][0], abs=1e-6)
    assert figures["observed_rate"] == pytest.approx(y.mean())


def test_calibration_of_a_perfectly_separating_score_still_gives_figures():
    p = np.array([0.1, 0.2, 0.3, 0.7, 0.8, 0.9])
    figures = calibration(np.array([0, 0, 0, 1, 1, 1]), p)
    assert figures is not None and figures["slope"] > 0


def test_calibration_needs_both_outcomes():
    assert calibration(np.zeros(10, dtype=int), np.full(10, 0.2)) is None


def test_auroc_matches_scikit_learn_with_ties():
    rng = np.random.default_rng(4)
    y = rng.integers(0, 2, 500)
    score = rng.integers(0, 20, 500).astype(float)
    assert auroc(y, score) == pytest.approx(roc_auc_score(y, score))
