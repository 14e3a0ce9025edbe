"""Score residents: calibrated probability, centile, band and plain-words factors.

``score_file`` scores a population held in Parquet files batch by batch, so memory does not
grow with the population: a first pass keeps only each resident's id and probability (what
centiles, bands and rising risk need: ranks over everyone), a second pass adds those columns and
the factors to each batch and writes it out. At 9M residents the first pass holds about 150 MB.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from octopus.population.engines import parquet_batches
from octopus.population.risk.bands import BandScale, assign_bands, centiles
from octopus.population.risk.design import design_matrix
from octopus.population.risk.explain import top_factors
from octopus.population.risk.rising import flag_rising_risk
from octopus.population.risk.train import TrainingResult

BATCH_ROWS = 250_000


def ranked(person_ids: pd.Series, probability: np.ndarray, scale: BandScale) -> pd.DataFrame:
    """Probability, centile and band for everyone: ranks are population-wide."""
    frame = pd.DataFrame({"person_id": person_ids.to_numpy(), "risk_probability": np.round(probability, 6)})
    frame["risk_centile"] = centiles(frame["risk_probability"])
    frame["risk_band"] = assign_bands(frame["risk_probability"], scale)
    frame["risk_band_label"] = frame["risk_band"].map({b.band: scale.label(b.band) for b in scale.bands})
    return frame


def _with_scores(frame: pd.DataFrame, scores: pd.DataFrame, result: TrainingResult) -> pd.DataFrame:
    # A shallow copy: pandas 3 copies on write, so new columns never touch the caller's frame and
    # the feature columns are not duplicated (a full copy was a second 1M-row table in memory).
    scored = frame.copy(deep=False)
    for column in scores.columns.drop("person_id"):
        scored[column] = scores[column].to_numpy()
    scored["top_factors"] = top_factors(result.logistic, frame)
    return scored


@dataclass(frozen=True)
class Scored:
    residents: int
    rising_risk: int


def score_file(features: Path | list[Path], out: Path, result: TrainingResult, scale: BandScale, *,
               previous: pd.DataFrame | None, case_managed: frozenset[str] = frozenset(),
               previous_as_of: str | None = None) -> Scored:
    """Score every resident in ``features`` (Parquet files) into ``out`` (Parquet), batch by batch.

    ``previous`` is the last snapshot's person_id and risk_centile, for rising risk.
    """
    ids, probabilities = [], []
    for batch in parquet_batches(features, rows=BATCH_ROWS):
        ids.append(batch["person_id"])
        probabilities.append(result.chosen.predict(design_matrix(batch)))
    person_ids = pd.concat(ids, ignore_index=True) if ids else pd.Series([], dtype=object)
    scores = ranked(person_ids, np.concatenate(probabilities) if probabilities else np.array([]), scale)
    del ids, probabilities, person_ids
    scores = flag_rising_risk(scores, previous, scale.rising_risk, case_managed, previous_as_of)

    start, writer = 0, None
    try:
        for batch in parquet_batches(features, rows=BATCH_ROWS):
            part = scores.iloc[start:start + len(batch)]
            start += len(batch)
            table = pa.Table.from_pandas(_with_scores(batch, part, result), preserve_index=False)
            if writer is None:
                # A column with no values in the first batch (no rising-risk reasons yet) would
                # be typed null; every such column here holds text.
                table = table.cast(pa.schema([
                    f.with_type(pa.string()) if pa.types.is_null(f.type) else f for f in table.schema
                ]))
                writer = pq.ParquetWriter(out, table.schema)
            writer.write_table(table.cast(writer.schema))
    finally:
        if writer is not None:
            writer.close()
    return Scored(residents=len(scores), rising_risk=int(scores["rising_risk"].sum()))
