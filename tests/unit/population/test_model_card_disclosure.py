"""The model card follows the disclosure rules of every other page, and labels its calibration.

An independent check found "70 residents, 7 events" on the card (other pages suppress 1-7 and
round to 5) and an "intercept" that was the joint recalibration fit's, not calibration-in-the-large.
"""

import numpy as np
import pandas as pd
import pytest
from scipy.optimize import brentq
from scipy.special import expit

from octopus.population.risk.metrics import calibration, calibration_in_the_large, evaluate, logit
from octopus.population.risk.model_card import HEADER, _row, subgroup_figures


def _frame(groups: dict[str, tuple[int, int]]) -> tuple[pd.DataFrame, np.ndarray]:
    """sex value -> (residents, events)."""
    rows = []
    for sex, (n, events) in groups.items():
        rows += [
            {
                "sex": sex,
                "imd_quintile": 1,
                "age_band": "45-64",
                "ethnicity_group": "White",
                "outcome_next_year": k < events,
            }
            for k in range(n)
        ]
    frame = pd.DataFrame(rows)
    rng = np.random.default_rng(1)
    p = np.clip(0.1 + 0.2 * frame["outcome_next_year"].to_numpy() + rng.uniform(0, 0.1, len(frame)), 0, 1)
    return frame, p


def test_subgroup_with_seven_events_is_withheld():
    frame, p = _frame({"female": (70, 7), "male": (70, 8)})
    sex = subgroup_figures(frame, p, resamples=0)["sex"]
    assert "withheld" in sex["female"]
    assert "withheld" not in sex["male"]


def test_subgroup_with_seven_without_the_outcome_is_withheld():
    frame, p = _frame({"female": (40, 33), "male": (40, 20)})
    assert "withheld" in subgroup_figures(frame, p, resamples=0)["sex"]["female"]


def test_card_row_shows_rounded_counts():
    y = np.array([1] * 12 + [0] * 61)
    p = np.linspace(0.05, 0.6, len(y))[::-1]
    row = _row("male", evaluate(y, p, resamples=0))
    cells = [c.strip() for c in row.split("|")]
    assert cells[2:4] == ["75", "10"]  # 73 residents, 12 events


def test_card_withholds_ppv_resting_on_few_residents():
    y = np.array([1] * 12 + [0] * 61)
    p = np.linspace(0.05, 0.6, len(y))[::-1]
    row = _row("male", evaluate(y, p, resamples=0))
    # The top 1% of 73 is one resident: a PPV of 1.00 would say that one was admitted.
    assert row.rstrip(" |").split("|")[-1].split()[0] == "withheld"


def test_calibration_in_the_large_worked_example():
    # Every predicted risk 0.2 and 30% observed: a = logit(0.3) - logit(0.2) = 0.5390.
    y = np.array([1] * 30 + [0] * 70)
    assert calibration_in_the_large(y, np.full(100, 0.2)) == pytest.approx(0.5390, abs=1e-4)


def test_calibration_in_the_large_is_the_offset_fit_not_the_joint_intercept():
    rng = np.random.default_rng(7)
    p = rng.uniform(0.02, 0.6, 4000)
    y = rng.binomial(1, expit(0.3 + 0.6 * logit(p)))  # slope 0.6: the two intercepts differ
    figures = calibration(y, p)
    offset_fit = brentq(lambda a: np.sum(y - expit(a + logit(p))), -5, 5)
    assert figures["in_the_large"] == pytest.approx(offset_fit, abs=1e-8)
    assert abs(figures["in_the_large"] - figures["intercept"]) > 0.05
    assert "calibration-in-the-large" in HEADER
