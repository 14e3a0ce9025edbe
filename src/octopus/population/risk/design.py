"""The model's inputs: resident features turned into a numeric matrix, the same way everywhere."""

from __future__ import annotations

import numpy as np
import pandas as pd

from octopus.population.features.conditions import LONG_TERM_CONDITIONS, ltc_column

# Counts are heavy-tailed: log(1 + n) keeps one frequent attender from dominating the fit.
LOG_COUNTS = (
    "emergency_admissions",
    "elective_admissions",
    "bed_days",
    "ae_attendances",
    "outpatient_attendances",
    "gp_contacts",
    "ambulance_calls",
    "mental_health_contacts",
    "mental_health_admissions",
    "community_contacts",
    "prior_cost",
)
FLAGS = (
    "social_care_package",
    "care_home",
    "housebound",
    "homeless",
    "learning_disability",
    "palliative_care",
    "current_inpatient",
    *(ltc_column(c) for c in LONG_TERM_CONDITIONS),
)
NUMBERS = ("age", "ltc_count", "efi", "hfrs")
# How many of the flags too rare to estimate alone a resident has (``risk.support``): built as
# zeros here and filled by the fitted model's pooling, which knows which flags are rare.
POOLED_FLAGS = "rare_flags_pooled"


# The feature columns ``design_matrix`` reads (besides those named above).
READS = ("sex", "imd_decile", "days_since_last_emergency_admission")


def input_columns() -> list[str]:
    """Every feature column the design matrix is built from."""
    return [*NUMBERS, *READS, *LOG_COUNTS, *FLAGS]


def feature_names() -> list[str]:
    return [
        *NUMBERS,
        "age_over_75",
        "female",
        "imd_decile_filled",
        "emergency_in_last_90_days",
        *(f"log_{c}" for c in LOG_COUNTS),
        *FLAGS,
        POOLED_FLAGS,
    ]


def design_matrix(frame: pd.DataFrame) -> np.ndarray:
    """The features as a float64 matrix in column-major (Fortran) order.

    Column-major because each feature is written as one contiguous run (a row-major
    ``column_stack`` of 47 columns scattered every value: half a second per 500,000 residents)
    and because scikit-learn's tree predictor reads it faster: the gradient-boosted model's
    probabilities for 548,000 residents took 1.1 CPU-s against 2.3 from row-major, bit for bit
    the same.
    """
    columns = {name: frame[name].astype("float64") for name in NUMBERS}
    columns["age_over_75"] = np.clip(frame["age"].astype("float64") - 75, 0, None)
    columns["female"] = (frame["sex"] == "female").astype("float64")
    # Unknown LSOA: the middle of the scale, so missing deprivation neither raises nor lowers risk.
    columns["imd_decile_filled"] = frame["imd_decile"].astype("Float64").fillna(5.5).astype("float64")
    days = frame["days_since_last_emergency_admission"].astype("Float64")
    columns["emergency_in_last_90_days"] = (days <= 90).fillna(False).astype("float64")
    for name in LOG_COUNTS:
        columns[f"log_{name}"] = np.log1p(frame[name].astype("float64").clip(lower=0))
    for name in FLAGS:
        columns[name] = frame[name].astype("bool").astype("float64")
    columns[POOLED_FLAGS] = np.zeros(len(frame))
    names = feature_names()
    matrix = np.empty((len(frame), len(names)), dtype="float64", order="F")
    for position, name in enumerate(names):
        matrix[:, position] = np.asarray(columns[name], dtype="float64")
    return matrix


def outcome(frame: pd.DataFrame) -> np.ndarray:
    """The training outcome (``outcomes.OUTCOME_COLUMN``) as 0/1."""
    return frame["outcome_next_year"].astype("bool").to_numpy().astype(int)
