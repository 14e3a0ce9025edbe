"""Discrimination and calibration figures for the model card."""

from __future__ import annotations

import numpy as np
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import roc_auc_score

TOP_SHARES = (0.01, 0.05, 0.20)
EPSILON = 1e-6


def logit(p: np.ndarray) -> np.ndarray:
    p = np.clip(p, EPSILON, 1 - EPSILON)
    return np.log(p / (1 - p))


def auroc(y: np.ndarray, score: np.ndarray) -> float | None:
    if len(np.unique(y)) < 2:
        return None
    return float(roc_auc_score(y, score))


def auroc_ci(y, score, *, resamples: int = 200, seed: int = 20261124) -> tuple[float, float] | None:
    """Percentile bootstrap 95% interval, resampling residents."""
    if len(np.unique(y)) < 2:
        return None
    rng = np.random.default_rng(seed)
    values = []
    for _ in range(resamples):
        index = rng.integers(0, len(y), len(y))
        if len(np.unique(y[index])) == 2:
            values.append(roc_auc_score(y[index], score[index]))
    return float(np.percentile(values, 2.5)), float(np.percentile(values, 97.5))


def calibration(y, p) -> dict | None:
    """Slope and intercept of the logistic recalibration model y ~ a + b logit(p) (Cox 1958)."""
    if len(np.unique(y)) < 2:
        return None
    fit = LogisticRegression(C=np.inf, max_iter=1000).fit(logit(p).reshape(-1, 1), y)
    return {
        "slope": float(fit.coef_[0][0]),
        "intercept": float(fit.intercept_[0]),
        "observed_rate": float(np.mean(y)),
        "mean_predicted": float(np.mean(p)),
    }


def top_share_figures(y, score) -> dict:
    """PPV and sensitivity among the highest-scored 1%, 5% and 20%."""
    order = np.argsort(-score, kind="stable")
    events = max(int(y.sum()), 1)
    figures = {}
    for share in TOP_SHARES:
        k = max(int(round(share * len(y))), 1)
        hits = int(y[order[:k]].sum())
        figures[f"top_{share * 100:g}pct"] = {"n": k, "ppv": hits / k, "sensitivity": hits / events}
    return figures


def evaluate(y, p, *, resamples: int = 200) -> dict:
    y, p = np.asarray(y), np.asarray(p, dtype=float)
    ci = auroc_ci(y, p, resamples=resamples)
    return {
        "n": int(len(y)),
        "events": int(y.sum()),
        "auroc": auroc(y, p),
        "auroc_95ci": list(ci) if ci else None,
        "calibration": calibration(y, p),
        **top_share_figures(y, p),
    }


def calibration_curve(y, p, bins: int = 10) -> tuple[np.ndarray, np.ndarray]:
    """Mean predicted and observed rate in deciles of predicted risk."""
    order = np.argsort(p, kind="stable")
    groups = np.array_split(order, bins)
    predicted = np.array([p[g].mean() for g in groups if len(g)])
    observed = np.array([y[g].mean() for g in groups if len(g)])
    return predicted, observed
