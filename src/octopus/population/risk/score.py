"""Score residents: calibrated probability, centile, band and plain-words factors.

``score_file`` scores a population held in Parquet files in one pass over batches, so memory
does not grow with the population: each batch's design matrix is built once, gives the
probability and the factors, and the batch is written out with its factors; only each
resident's id and probability (what centiles, bands and rising risk need: ranks over everyone)
stay in memory, about 150 MB at 9M residents. The population-wide columns then go to a second,
narrow file that the engine joins on person_id (``SCORE_COLUMNS``). A second pass re-read and
re-derived every batch (its matrix, the logistic inputs) for the sake of those few columns: at
1M residents it cost more CPU than the features it read.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from octopus.population.engines import arrow_text, id_positions, parquet_batches
from octopus.population.risk.bands import BandScale, assign_bands, centiles
from octopus.population.risk.design import design_matrix
from octopus.population.risk.explain import reads, top_factor_texts
from octopus.population.risk.rising import COMPARED_COLUMNS, EVENTS_SINCE, flag_rising_risk

if TYPE_CHECKING:  # scikit-learn is imported by whoever fitted the model, not to score with it
    from octopus.population.risk.train import TrainingResult

BATCH_ROWS = 250_000
# The factors file's id column, named apart from the features' person_id for the join.
FACTORS_PERSON_ID = "_factors_person_id"


def ranked(
    person_ids: pd.Series, probability: np.ndarray, scale: BandScale, excluded: frozenset[str] = frozenset()
) -> pd.DataFrame:
    """Probability, centile and band for everyone: ranks are population-wide.

    Residents in ``excluded`` (an objection to use beyond their own care, ``objections.py``)
    get no probability, centile or band and do not count in anyone else's rank.
    """
    frame = pd.DataFrame({"person_id": person_ids.to_numpy(), "risk_probability": np.round(probability, 6)})
    # By Arrow's hash lookup: pandas' isin on text compared each id in Python (0.4 s at 1M).
    kept = pd.Series(id_positions(frame["person_id"], list(excluded)) < 0 if excluded else True, index=frame.index)
    frame["analytics_excluded"] = ~kept
    ranked_rows = frame.loc[kept, "risk_probability"]
    frame["risk_probability"] = frame["risk_probability"].where(kept)
    frame["risk_centile"] = (
        pd.Series(centiles(ranked_rows), index=ranked_rows.index).reindex(frame.index).astype("Int64")
    )
    frame["risk_band"] = (
        pd.Series(assign_bands(ranked_rows, scale), index=ranked_rows.index).reindex(frame.index).astype("Int64")
    )
    labels = {b.band: scale.label(b.band) for b in scale.bands}
    frame["risk_band_label"] = frame["risk_band"].map(labels).astype(object)
    return frame


def _factors_table(person_ids: pd.Series, factors: pa.Array) -> pa.Table:
    return pa.table({FACTORS_PERSON_ID: arrow_text(person_ids), "top_factors": factors})


@dataclass(frozen=True)
class Scored:
    residents: int
    rising_risk: int


def score_file(
    features: Path | list[Path],
    out: Path,
    scores_out: Path,
    result: TrainingResult,
    scale: BandScale,
    *,
    previous: pd.DataFrame | None,
    case_managed: frozenset[str] = frozenset(),
    previous_as_of: str | None = None,
    events: pd.DataFrame | None = None,
    excluded: frozenset[str] = frozenset(),
) -> Scored:
    """Score every resident in ``features`` (Parquet files), batch by batch, in one pass.

    ``out`` gets each resident's ``top_factors`` (with ``FACTORS_PERSON_ID``); ``scores_out`` the
    population-wide columns (``ranked`` and ``flag_rising_risk``), one row per resident; the
    engine joins both to the features on person_id. Only the columns the model and the words
    read are read here: writing every feature again beside the factors cost more than the
    factors did.

    ``previous`` is the last snapshot's person_id, risk_centile and the columns rising risk
    compares (``rising.COMPARED_COLUMNS``); ``events`` the emergency admissions and A&E
    attendances since that snapshot (``rising.events_since``), per person with any. Residents
    in ``excluded`` are written with their features but no score (``ranked``).
    """
    ids, probabilities, compared = [], [], []
    available = set(pq.read_schema(features[0] if isinstance(features, list) else features).names)
    columns = ["person_id", *(c for c in dict.fromkeys([*reads(), *COMPARED_COLUMNS]) if c in available)]
    writer = None
    try:
        for batch in parquet_batches(features, rows=BATCH_ROWS, columns=columns):
            matrix = design_matrix(batch)
            ids.append(batch["person_id"])
            probabilities.append(result.chosen.predict(matrix))
            # The few columns rising risk compares (booleans and a category): small beside the ids.
            compared.append(batch[[c for c in COMPARED_COLUMNS if c in batch.columns and c != "risk_band"]])
            table = _factors_table(batch["person_id"], top_factor_texts(result.logistic, batch, matrix=matrix))
            if writer is None:
                writer = pq.ParquetWriter(out, table.schema)
            writer.write_table(table)
    finally:
        if writer is not None:
            writer.close()
    person_ids = pd.concat(ids, ignore_index=True) if ids else pd.Series([], dtype=object)
    scores = ranked(person_ids, np.concatenate(probabilities) if probabilities else np.array([]), scale, excluded)
    del ids, probabilities, person_ids
    compared_columns = []
    if compared and previous is not None:
        compared_frame = pd.concat(compared, ignore_index=True)
        compared_columns = list(compared_frame.columns)
        for column in compared_columns:
            scores[column] = compared_frame[column].to_numpy()
        del compared_frame
    del compared
    # Positions of each resident's row in ``events`` (-1 for none: most residents, every one on
    # a rerun), looked up once for the three counts. Mapping text ids through a pandas index
    # cost a second per column at 1M residents, even with no events at all.
    found = (
        id_positions(scores["person_id"], events["person_id"])
        if events is not None and len(events)
        else np.full(len(scores), -1)
    )
    has_events = found >= 0
    for column in EVENTS_SINCE:
        counts = np.zeros(len(scores), dtype="int64")
        if has_events.any():
            counts[has_events] = events[column].to_numpy(dtype="int64")[found[has_events]]
        scores[column] = counts
    scores = flag_rising_risk(scores, previous, scale.rising_risk, case_managed, previous_as_of)
    scores = scores.drop(columns=compared_columns)
    table = pa.Table.from_pandas(scores, preserve_index=False)
    # A column with no values (no rising-risk reasons yet) would be typed null; each such holds text.
    table = table.cast(pa.schema([f.with_type(pa.string()) if pa.types.is_null(f.type) else f for f in table.schema]))
    pq.write_table(table, scores_out)
    return Scored(residents=len(scores), rising_risk=int(scores["rising_risk"].sum()))
