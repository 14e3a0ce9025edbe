"""Score residents: calibrated probability, centile, band and plain-words factors."""

from __future__ import annotations

import pandas as pd

from octopus.population.risk.bands import BandScale, assign_bands, centiles
from octopus.population.risk.design import design_matrix
from octopus.population.risk.explain import top_factors
from octopus.population.risk.train import TrainingResult


def score_residents(frame: pd.DataFrame, result: TrainingResult, scale: BandScale) -> pd.DataFrame:
    matrix = design_matrix(frame)
    probability = pd.Series(result.chosen.predict(matrix), index=frame.index).round(6)
    # A shallow copy: pandas 3 copies on write, so new columns never touch the caller's frame and
    # the feature columns are not duplicated (a full copy was a second 1M-row table in memory).
    scored = frame.copy(deep=False)
    scored["risk_probability"] = probability
    scored["risk_centile"] = centiles(probability)
    scored["risk_band"] = assign_bands(probability, scale)
    scored["risk_band_label"] = scored["risk_band"].map(scale.label)
    scored["top_factors"] = top_factors(result.logistic, frame, matrix=matrix)
    return scored
