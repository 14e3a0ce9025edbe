"""Train the 12-month emergency admission risk model on the population's own history.

Residents' features at a training date (normally as-of minus 12 months) are paired with
whether they had at least one emergency admission in the following 12 months. Residents are
split by a stable hash of their person id into training (60%), validation (20%) and held-out
test (20%) sets. Two candidates are fitted on the training set — a logistic regression (with a
points view) and a gradient-boosted tree model (scikit-learn HistGradientBoosting) — and the
one with the higher validation AUROC is chosen. Its probabilities are then recalibrated on the
validation set by Platt scaling (a logistic model on the logit of the raw prediction).

Speed. Fitting and prediction run with ``threads.MODEL_THREADS`` OpenMP/BLAS threads (default 1, env
``OCTOPUS_MODEL_THREADS``): on a shared machine scikit-learn's OpenMP threads spin-wait for
each other, and HistGradientBoosting took 25 s with two threads against 1.5 s with one for
1,800 residents. Candidates are fitted on at most ``MAX_TRAINING_ROWS`` residents of the
training set (a seeded random sample): 40 features need nothing like a million rows, and the
gradient-boosted model stops early when 10 rounds in a row do not improve its own held-back
10%.

Memory. The pipeline does not read a whole population's training features: ``in_role_sample``
keeps at most ``ROLE_CAPS`` residents per role as the rows stream from the engine, so training
memory stays the same from Westminster to all of London.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from octopus.population.risk.design import design_matrix, feature_names, outcome
from octopus.population.risk.metrics import auroc, logit
from octopus.population.risk.roles import (  # noqa: F401 (where callers have always found them)
    MAX_TRAINING_ROWS,
    ROLE_CAPS,
    SPLIT_SHARES,
    in_role_sample,
    split_roles,
)
from octopus.population.risk.support import RULE, FeatureSupport, decide
from octopus.population.risk.threads import model_threads

MODEL_VERSION = "emergency-admission-12m/1"


class TrainingDataError(ValueError):
    pass


def as_matrix(data: pd.DataFrame | np.ndarray) -> np.ndarray:
    """Features as the model's numeric matrix; a matrix already built is passed through, so
    callers that predict several times on one frame build it once (at 1M residents each build
    converts ~50 columns and copies 400 MB)."""
    return data if isinstance(data, np.ndarray) else design_matrix(data)


@dataclass
class RiskModel:
    kind: str
    estimator: object
    calibrator: LogisticRegression | None = None
    # Rare features pooled or left out before the estimator sees the matrix (``risk.support``).
    support: FeatureSupport = field(default_factory=FeatureSupport)

    def inputs(self, data: pd.DataFrame | np.ndarray) -> np.ndarray:
        """The matrix the estimator was fitted on: the design matrix after pooling."""
        return self.support.apply(as_matrix(data))

    def raw(self, data: pd.DataFrame | np.ndarray) -> np.ndarray:
        with model_threads():
            return self.estimator.predict_proba(self.inputs(data))[:, 1]

    def predict(self, data: pd.DataFrame | np.ndarray) -> np.ndarray:
        raw = self.raw(data)
        if self.calibrator is None:
            return raw
        return self.calibrator.predict_proba(logit(raw).reshape(-1, 1))[:, 1]

    def calibrate(self, raw: np.ndarray, y: np.ndarray) -> RiskModel:
        """This model with Platt scaling fitted to its own uncalibrated predictions ``raw`` (from
        ``raw()``) for residents whose outcomes are ``y``."""
        calibrator = LogisticRegression(C=np.inf, max_iter=1000)
        with model_threads():
            calibrator.fit(logit(raw).reshape(-1, 1), y)
        return RiskModel(self.kind, self.estimator, calibrator, self.support)


@dataclass
class TrainingResult:
    chosen: RiskModel
    candidates: dict[str, RiskModel]
    validation_auroc: dict[str, float | None]
    roles: pd.Series
    logistic: RiskModel | None  # explanations and the points view; None only when not fitted
    training_frame: pd.DataFrame = field(repr=False)
    held_out: dict[str, np.ndarray] = field(default_factory=dict, repr=False)
    # The training frame's design matrix and the rows the candidates were fitted on.
    matrix: np.ndarray | None = field(default=None, repr=False)
    sample_positions: np.ndarray | None = field(default=None, repr=False)
    # The whole population at the training date when the frame is a sample of it (see
    # ``in_role_sample``): residents and residents with the outcome.
    population: dict[str, int] | None = None

    def rows(self, role: str) -> np.ndarray:
        return (self.roles == role).to_numpy()


def fit_logistic(x: np.ndarray, y: np.ndarray, support: FeatureSupport = FeatureSupport()) -> RiskModel:
    pipeline = make_pipeline(StandardScaler(), LogisticRegression(C=0.5, max_iter=2000))
    with model_threads():
        return RiskModel("logistic", pipeline.fit(support.apply(x), y), support=support)


def fit_gbm(x: np.ndarray, y: np.ndarray, support: FeatureSupport = FeatureSupport(), seed: int = 0) -> RiskModel:
    model = HistGradientBoostingClassifier(
        max_iter=300,
        learning_rate=0.1,
        max_leaf_nodes=15,
        min_samples_leaf=20,
        l2_regularization=1.0,
        early_stopping=True,
        validation_fraction=0.1,
        n_iter_no_change=10,
        scoring="loss",
        random_state=seed,
    )
    with model_threads():
        return RiskModel("gbm", model.fit(support.apply(x), y), support=support)


def training_sample(positions: np.ndarray, limit: int = MAX_TRAINING_ROWS) -> np.ndarray:
    """At most ``limit`` of the training rows (a seeded random sample, kept in order)."""
    if len(positions) <= limit:
        return positions
    rng = np.random.default_rng(20261124)
    return np.sort(rng.choice(positions, size=limit, replace=False))


FITTERS = {"logistic": fit_logistic, "gbm": fit_gbm}


def train(frame: pd.DataFrame, kinds: tuple[str, ...] = tuple(FITTERS)) -> TrainingResult:
    """Fit, choose and calibrate on features at the training date with their outcome.

    ``kinds`` narrows the candidates: the later-period check refits only the chosen
    specification (the gradient-boosted fit is most of a training run's time).
    """
    roles = split_roles(frame["person_id"])
    x, y = design_matrix(frame), outcome(frame)
    is_train, is_validation = (roles == "train").to_numpy(), (roles == "validation").to_numpy()
    for name, rows in (("training", is_train), ("validation", is_validation)):
        events, size = int(y[rows].sum()), int(rows.sum())
        if events < 5 or events == size:
            raise TrainingDataError(
                f"The {name} set has {events} residents with the outcome among "
                f"{size} residents in the outcome year: too few to train a risk model. "
                "The linked extract needs at least two years of hospital activity."
            )
    sample = training_sample(np.flatnonzero(is_train))
    support = decide(x[sample], y[sample])
    candidates = {kind: FITTERS[kind](x[sample], y[sample], support) for kind in kinds}
    x_validation, y_validation = x[is_validation], y[is_validation]
    # Each candidate predicts the validation set once, for its AUROC and its calibration.
    raw = {name: m.raw(x_validation) for name, m in candidates.items()}
    scores = {name: auroc(y_validation, raw[name]) for name in candidates}
    best = max(scores, key=lambda name: scores[name] or 0.0)
    calibrated = {name: m.calibrate(raw[name], y_validation) for name, m in candidates.items()}
    return TrainingResult(
        calibrated[best],
        calibrated,
        scores,
        roles,
        calibrated.get("logistic"),
        frame,
        matrix=x,
        sample_positions=sample,
    )


def points_table(model: RiskModel) -> list[dict]:
    """Points view of the logistic model: 10 points per unit of log-odds, per unit of input.

    Only features with enough support (``risk.support``) are listed; ``not_shown`` names the rest.
    """
    scaler, regression = model.estimator.steps[0][1], model.estimator.steps[1][1]
    per_unit = regression.coef_[0] / scaler.scale_
    return [
        {
            "feature": name,
            "coefficient_per_unit": float(beta),
            "odds_ratio_per_unit": float(np.exp(beta)),
            "points_per_unit": int(round(10 * beta)),
        }
        for name, beta in zip(feature_names(), per_unit, strict=True)
        if model.support.shown(name)
    ]


def not_shown(model: RiskModel) -> dict:
    """The features without an effect of their own in the points table, and the rule."""
    return {"rule": RULE, "pooled": list(model.support.pooled), "left_out": [n for n in model.support.left_out]}


def baseline_scores(result: TrainingResult, frame: pd.DataFrame) -> dict[str, np.ndarray]:
    """Simple comparators: PARR-style prior emergency admissions; age and LTC count."""
    train_set = result.training_frame.iloc[result.sample_positions]
    simple = LogisticRegression(max_iter=1000).fit(train_set[["age", "ltc_count"]].astype(float), outcome(train_set))
    return {
        "prior_emergency_admissions": frame["emergency_admissions"].astype(float).to_numpy(),
        "age_and_ltc_count": simple.predict_proba(frame[["age", "ltc_count"]].astype(float))[:, 1],
    }
