"""The shipped default model: scores a population too small to train its own.

A practice-sized or test population (a few hundred residents) has too few emergency admissions
to fit, choose and calibrate a model (``train.TrainingDataError``). The pipeline then scores it
with the default model for the configured outcome, shipped in ``default_models/`` as data: the
logistic model's feature names, standardisation, coefficients, Platt calibration and pooling
(``risk.support``) in ``<outcome>.json``, with its own model card (``<outcome>.md``) and
calibration plot. No pickles: the file is readable, diffable and loads into any scikit-learn.

The files are written by ``octopus pipeline fit-default-model`` (``risk.fit_default``), which
generates Synthetic London, loads and links it through the ordinary feed loaders and linkage, and
trains with the ordinary pipeline's ``train``: the default model is fitted on synthetic data by
the project's own code, and its card says so. It is a logistic model (not the gradient-boosted
candidate) so that its every coefficient can be read, and so that the plain-words factors come
from the same model that scores.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from octopus.population.risk.design import feature_names
from octopus.population.risk.outcomes import Outcome
from octopus.population.risk.support import FeatureSupport
from octopus.population.risk.train import RiskModel

DEFAULT_MODELS_DIR = Path(__file__).resolve().parent / "default_models"
FORMAT = 1


class DefaultModelError(ValueError):
    """A default-model file is missing or does not fit this version of the features."""


@dataclass(frozen=True)
class DefaultModel:
    outcome: str
    model: RiskModel
    card: dict  # the model card of the fitting run (figures on held-out synthetic residents)
    provenance: dict
    folder: Path

    @property
    def chosen(self) -> RiskModel:
        return self.model

    @property
    def logistic(self) -> RiskModel:
        return self.model

    @property
    def calibration_plot(self) -> Path:
        return self.folder / f"{self.outcome}-calibration.png"

    @property
    def card_markdown(self) -> Path:
        return self.folder / f"{self.outcome}.md"


def model_data(model: RiskModel) -> dict:
    """A fitted logistic ``RiskModel`` as plain numbers."""
    if model.kind != "logistic":
        raise DefaultModelError(f"Only a logistic model can be shipped as data, not {model.kind!r}.")
    scaler, regression = model.estimator.steps[0][1], model.estimator.steps[1][1]
    calibrator = model.calibrator
    return {
        "format": FORMAT,
        "kind": "logistic",
        "features": feature_names(),
        "standardisation": {"mean": scaler.mean_.tolist(), "scale": scaler.scale_.tolist()},
        "coefficients": regression.coef_[0].tolist(),
        "intercept": float(regression.intercept_[0]),
        "calibration": None
        if calibrator is None
        else {
            "slope": float(calibrator.coef_[0][0]),
            "intercept": float(calibrator.intercept_[0]),
        },
        "support": model.support.as_data(),
    }


def _logistic(coefficients, intercept: float) -> LogisticRegression:
    regression = LogisticRegression()
    regression.coef_ = np.asarray([coefficients], dtype="float64")
    regression.intercept_ = np.asarray([intercept], dtype="float64")
    regression.classes_ = np.asarray([0, 1])
    regression.n_features_in_ = regression.coef_.shape[1]
    return regression


def model_from_data(data: dict, source: str = "the default model") -> RiskModel:
    if data.get("format") != FORMAT or data.get("kind") != "logistic":
        raise DefaultModelError(
            f"{source}: format {data.get('format')!r}/{data.get('kind')!r} is not "
            f"format {FORMAT} logistic; refit it with `octopus pipeline fit-default-model`."
        )
    if data["features"] != feature_names():
        missing = sorted(set(feature_names()) - set(data["features"]))
        extra = sorted(set(data["features"]) - set(feature_names()))
        raise DefaultModelError(
            f"{source} was fitted on other features (missing {', '.join(missing) or 'none'}; "
            f"no longer built: {', '.join(extra) or 'none'}); refit it with `octopus pipeline fit-default-model`."
        )
    scaler = StandardScaler()
    scaler.mean_ = np.asarray(data["standardisation"]["mean"], dtype="float64")
    scaler.scale_ = np.asarray(data["standardisation"]["scale"], dtype="float64")
    scaler.var_ = scaler.scale_**2
    scaler.n_features_in_ = len(scaler.mean_)
    scaler.n_samples_seen_ = 0
    estimator = make_pipeline(scaler, _logistic(data["coefficients"], data["intercept"]))
    calibration = data.get("calibration")
    calibrator = None if calibration is None else _logistic([calibration["slope"]], calibration["intercept"])
    return RiskModel("logistic", estimator, calibrator, FeatureSupport.from_data(data.get("support", {})))


def load_default(outcome: Outcome, folder: Path = DEFAULT_MODELS_DIR) -> DefaultModel:
    path = folder / f"{outcome.name}.json"
    try:
        document = json.loads(path.read_text())
    except FileNotFoundError:
        raise DefaultModelError(
            f"No default model for the outcome {outcome.name!r} ({path}): fit one with "
            f"`octopus pipeline fit-default-model --outcome {outcome.name}`."
        ) from None
    return DefaultModel(
        outcome.name, model_from_data(document["model"], str(path)), document["card"], document["provenance"], folder
    )


def write_default(folder: Path, outcome: Outcome, model: RiskModel, card: dict, provenance: dict) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{outcome.name}.json"
    path.write_text(
        json.dumps({"provenance": provenance, "model": model_data(model), "card": card}, indent=1, default=str) + "\n"
    )
    return path
