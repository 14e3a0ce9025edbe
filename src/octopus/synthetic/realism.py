"""How predictable is next year's emergency admission in a generated population?

Published models that predict emergency admission in the next 12 months from the previous 12
(age, long-term conditions, prior admissions and A&E attendances, frailty) reach an AUROC of
about 0.75-0.80 (e.g. Wallace et al., Med Care 2014, a systematic review of 27 models;
Billings et al., BMJ 2012, PARR-30 and the Combined Predictive Model). A generator whose AUROC
is 0.95 makes risk tools look too good; 0.65 makes them look useless. This module fits a quick
logistic regression on the generated files, as an analyst would, and reports the AUROC.

Reads only the written files: feeds for the activity, `truth/` for who each record is really
about (standing in for perfect linkage) and for age, conditions and frailty (what a GP record
would show). Nothing here runs the Octopus pipeline.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow.compute as pc
import pyarrow.dataset as ds
import pyarrow.parquet as pq


def _events(out: Path, feed: str, date_column: str, fmt: str, truth: pd.DataFrame, keep=None) -> pd.DataFrame:
    """Dated records of one feed with the true person of each."""
    files = sorted((out / "feeds").glob(f"{feed}__*.{fmt}"))
    columns = ["sender_code", "source_record_id", date_column] + ([keep[0]] if keep else [])
    dataset = ds.dataset(files, format="parquet" if fmt == "parquet" else "csv")
    table = dataset.to_table(columns=columns, filter=(pc.field(keep[0]) == keep[1]) if keep else None)
    frame = table.to_pandas().drop_duplicates(["sender_code", "source_record_id"])
    frame["date"] = pd.to_datetime(frame[date_column], errors="coerce")
    return frame.merge(truth[truth["feed"] == feed], on=["sender_code", "source_record_id"])[["true_person_id", "date"]]


def cohort(out_dir: Path | str) -> pd.DataFrame:
    """One row per resident alive and registered a year before the as-of date: prior-year
    features and whether they had an emergency admission in the following year."""
    out = Path(out_dir)
    manifest = json.loads((out / "manifest.json").read_text())
    fmt = "parquet" if manifest["format"] == "parquet" else "csv"
    as_of = pd.Timestamp(manifest["as_of"])
    index = as_of - pd.Timedelta(days=365)
    start = index - pd.Timedelta(days=365)
    truth = pq.read_table(
        out / "truth" / "record_truth.parquet",
        columns=["feed", "sender_code", "source_record_id", "true_person_id"],
        filters=[("feed", "in", ["apc_spells", "ae_attendances"])],
    ).to_pandas()
    truth["feed"] = truth["feed"].astype(str)
    persons = pq.read_table(
        out / "truth" / "persons.parquet",
        columns=["true_person_id", "age", "ltc_count", "efi", "date_of_death", "practice_code"],
    ).to_pandas()
    alive = persons["date_of_death"].isna() | (persons["date_of_death"] >= index)
    persons = persons[alive & persons["practice_code"].notna()].set_index("true_person_id")
    spells = _events(out, "apc_spells", "admission_date", fmt, truth, keep=("admission_method", "emergency"))
    ae = _events(out, "ae_attendances", "arrival_datetime", fmt, truth)

    def count(events: pd.DataFrame, low: pd.Timestamp, high: pd.Timestamp) -> pd.Series:
        within = events[(events["date"] >= low) & (events["date"] < high)]
        return within.groupby("true_person_id").size().reindex(persons.index, fill_value=0)

    return pd.DataFrame(
        {
            "age": np.maximum(persons["age"] - 1, 0),
            "ltc_count": persons["ltc_count"],
            "efi": persons["efi"],
            "prior_emergency": count(spells, start, index),
            "prior_ae": count(ae, start, index),
            "admitted_next_year": count(spells, index, as_of) > 0,
        }
    )


def predictability(out_dir: Path | str, seed: int = 0) -> tuple[float, pd.DataFrame]:
    """AUROC of a logistic regression (70/30 split) for emergency admission next year."""
    from sklearn.linear_model import LogisticRegression
    from sklearn.metrics import roc_auc_score

    people = cohort(out_dir)
    features = pd.DataFrame(
        {
            "age": people["age"] / 10,
            "age_squared": (people["age"] / 10) ** 2,
            "ltc_count": people["ltc_count"],
            "efi": people["efi"] * 10,
            "prior_emergency": np.log1p(people["prior_emergency"]),
            "prior_ae": np.log1p(people["prior_ae"]),
        }
    ).to_numpy()
    outcome = people["admitted_next_year"].to_numpy()
    test = np.random.default_rng(seed).random(len(outcome)) < 0.3
    model = LogisticRegression(max_iter=1000).fit(features[~test], outcome[~test])
    return float(roc_auc_score(outcome[test], model.predict_proba(features[test])[:, 1])), people
