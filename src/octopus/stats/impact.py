"""Impact of a service by matched difference-in-differences: the people it cared for against
similar people it did not, before and after.

Three steps, each usable on its own in a notebook (pandas and numpy; scikit-learn for the
propensity model; no Django, no engine)::

    scores = propensity_scores(frame, "treated", ["age", "risk_probability", "prior_admissions"])
    pairs = match(frame.assign(score=scores), "treated", "score")
    result = difference_in_differences(pre_t, post_t, pre_c, post_c)   # one entry per pair

Methods:

- Propensity score: the probability of being cared for given the covariates, by logistic
  regression (Rosenbaum and Rubin 1983, *Biometrika* 70:41-55).
- Matching: 1:1 nearest neighbour on the logit of the score, without replacement, within a
  caliper of 0.2 standard deviations of the logit -- the width Austin recommends (Austin 2011,
  "Optimal caliper widths for propensity-score matching", *Pharmaceutical Statistics* 10:150-161).
  Treated people with no comparator inside the caliper are left unmatched and counted.
- Balance: standardised mean differences before and after matching, with 0.1 as the usual
  threshold of a negligible imbalance (Austin 2009, *Statistics in Medicine* 28:3083-3107).
- Difference-in-differences on the matched pairs: each pair's change (after minus before) in the
  cared-for person less their comparator's. The estimate is the mean, with a t interval on the
  pair differences (the pairs are the units: Austin 2011, "Comparing paired vs non-paired
  statistical methods...", *Statistics in Medicine* 30:1292-1301).

Regression to the mean: people are often taken on just after a crisis, when their use of
services is at its peak and would fall anyway. Matching on the *same* prior use and comparing
changes, not levels, takes out the fall that similar people show without the service.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import stats as scipy_stats

CALIPER_SD = 0.2
NEGLIGIBLE_SMD = 0.1


def propensity_scores(frame: pd.DataFrame, treated: str, covariates: Sequence[str]) -> pd.Series:
    """Each row's probability of being treated given ``covariates`` (logistic regression,
    unpenalised, covariates standardised so the solver converges on counts and ages alike)."""
    from sklearn.linear_model import LogisticRegression

    x = frame[list(covariates)].astype("float64").fillna(0.0).to_numpy()
    spread = x.std(axis=0)
    x = (x - x.mean(axis=0)) / np.where(spread > 0, spread, 1.0)
    y = frame[treated].astype(bool).to_numpy()
    if y.all() or not y.any():
        raise ValueError(f"Column {treated!r}: the propensity model needs treated and untreated rows.")
    model = LogisticRegression(penalty=None, max_iter=1000).fit(x, y)
    return pd.Series(model.predict_proba(x)[:, 1], index=frame.index, name="propensity")


def _logit(p: np.ndarray) -> np.ndarray:
    p = np.clip(p, 1e-9, 1 - 1e-9)
    return np.log(p / (1 - p))


@dataclass(frozen=True)
class Matching:
    pairs: list[tuple[object, object]]  # (treated index, comparator index)
    unmatched: list[object]  # treated with no comparator inside the caliper
    caliper: float  # on the logit scale


def match(frame: pd.DataFrame, treated: str, score: str, caliper_sd: float = CALIPER_SD) -> Matching:
    """1:1 nearest-neighbour matching on the logit of ``score`` without replacement.

    Treated rows are matched from the highest score down (they have the fewest close comparators),
    each to the nearest unused comparator; at an equal distance the lower score wins, so the
    result is reproducible."""
    logit = pd.Series(_logit(frame[score].to_numpy(dtype="float64")), index=frame.index)
    caliper = caliper_sd * float(logit.std(ddof=1)) if len(logit) > 1 else 0.0
    is_treated = frame[treated].astype(bool)
    controls = logit[~is_treated]
    order = np.argsort(controls.to_numpy(), kind="stable")
    values, labels = controls.to_numpy()[order], controls.index.to_numpy()[order]
    used = np.zeros(len(values), dtype=bool)
    pairs, unmatched = [], []
    for index, value in logit[is_treated].sort_values(ascending=False, kind="stable").items():
        best = _nearest_unused(values, used, value, caliper)
        if best is None:
            unmatched.append(index)
            continue
        used[best] = True
        pairs.append((index, labels[best]))
    return Matching(pairs, unmatched, caliper)


def _nearest_unused(values: np.ndarray, used: np.ndarray, target: float, caliper: float) -> int | None:
    right = int(np.searchsorted(values, target))
    left = right - 1
    best, best_distance = None, math.inf
    while left >= 0 and target - values[left] <= min(caliper, best_distance):
        if not used[left]:
            best, best_distance = left, target - values[left]
            break
        left -= 1
    while right < len(values) and values[right] - target <= caliper:
        if not used[right]:
            # Strictly nearer only: an equal distance keeps the lower value, found first.
            if values[right] - target < best_distance:
                best = right
            break
        right += 1
    return best


def standardised_differences(
    treated: pd.DataFrame, comparators: pd.DataFrame, covariates: Sequence[str]
) -> dict[str, float]:
    """Standardised mean difference of each covariate: the difference in means over the pooled
    standard deviation sqrt((s_t^2 + s_c^2) / 2) (Austin 2009); 0 where both groups are constant."""
    result = {}
    for column in covariates:
        t, c = treated[column].astype("float64"), comparators[column].astype("float64")
        pooled = math.sqrt((t.var(ddof=1) + c.var(ddof=1)) / 2) if len(t) > 1 and len(c) > 1 else 0.0
        difference = float(t.mean() - c.mean())
        result[column] = difference / pooled if pooled > 0 else 0.0
    return result


@dataclass(frozen=True)
class Difference:
    """The mean change per person among the cared-for less that among their comparators."""

    pairs: int
    treated_before: float
    treated_after: float
    comparison_before: float
    comparison_after: float
    estimate: float
    lower: float
    upper: float
    confidence: float


def difference_in_differences(
    treated_before, treated_after, comparison_before, comparison_after, confidence: float = 0.95
) -> Difference:
    """Paired difference-in-differences: the arrays are aligned, one entry per matched pair."""
    arrays = [
        np.asarray(a, dtype="float64") for a in (treated_before, treated_after, comparison_before, comparison_after)
    ]
    n = len(arrays[0])
    if any(len(a) != n for a in arrays):
        raise ValueError("Difference-in-differences: the four arrays need one entry per matched pair each.")
    if n < 2:
        raise ValueError("Difference-in-differences needs at least two matched pairs.")
    tb, ta, cb, ca = arrays
    each = (ta - tb) - (ca - cb)
    estimate = float(each.mean())
    half = float(scipy_stats.t.ppf(0.5 + confidence / 2, n - 1) * each.std(ddof=1) / math.sqrt(n))
    return Difference(
        n,
        float(tb.mean()),
        float(ta.mean()),
        float(cb.mean()),
        float(ca.mean()),
        estimate,
        estimate - half,
        estimate + half,
        confidence,
    )
