"""Top contributing factors per resident, in plain words.

Contributions come from the logistic model (coefficient x standardised value), grouped into
concepts a practitioner recognises, so the words are the same whichever model was chosen to
score. Only factors that raise the resident's risk above the population average are shown.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from octopus.population.features.conditions import LONG_TERM_CONDITIONS, ltc_column
from octopus.population.risk.design import design_matrix, feature_names
from octopus.population.risk.train import RiskModel

TOP_FACTORS = 3


def _plural(n: int, word: str, plural: str | None = None) -> str:
    return f"{n} {word if n == 1 else (plural or word + 's')}"


def _count(column: str, word: str, plural: str | None = None):
    def render(row):
        n = int(row[column])
        return f"{_plural(n, word, plural)} in the last year" if n > 0 else None

    return render


def _flag(column: str, words: str):
    return lambda row: words if bool(row[column]) else None


CONCEPTS: dict[str, tuple[tuple[str, ...], object]] = {
    "age": (("age", "age_over_75"), lambda row: f"aged {int(row['age'])}"),
    "emergency": (
        ("log_emergency_admissions", "emergency_in_last_90_days"),
        _count("emergency_admissions", "emergency admission"),
    ),
    "frailty": (
        ("efi",),
        lambda row: f"{row['efi_category']} frailty" if row["efi_category"] != "fit" else None,
    ),
    "hfrs": (
        ("hfrs",),
        lambda row: f"hospital frailty risk score {row['hfrs']:.1f}" if row["hfrs"] > 0 else None,
    ),
    "ltc_count": (
        ("ltc_count",),
        lambda row: _plural(int(row["ltc_count"]), "long-term condition") if row["ltc_count"] > 0 else None,
    ),
    "bed_days": (("log_bed_days",), _count("bed_days", "day in hospital", "days in hospital")),
    "elective": (("log_elective_admissions",), _count("elective_admissions", "planned admission")),
    "ae": (("log_ae_attendances",), _count("ae_attendances", "A&E attendance")),
    "ambulance": (("log_ambulance_calls",), _count("ambulance_calls", "ambulance call")),
    "outpatient": (("log_outpatient_attendances",), _count("outpatient_attendances", "outpatient appointment")),
    "gp": (("log_gp_contacts",), _count("gp_contacts", "GP appointment")),
    "mental_health": (
        ("log_mental_health_contacts", "log_mental_health_admissions"),
        _count("mental_health_contacts", "mental health contact"),
    ),
    "community": (("log_community_contacts",), _count("community_contacts", "community health contact")),
    "cost": (
        ("log_prior_cost",),
        lambda row: f"£{row['prior_cost']:,.0f} of care in the last year" if row["prior_cost"] > 0 else None,
    ),
    "deprivation": (
        ("imd_decile_filled",),
        lambda row: (
            f"lives in a deprived area (IMD decile {int(row['imd_decile'])})"
            if pd.notna(row["imd_decile"]) and row["imd_decile"] <= 3 else None
        ),
    ),
    "social_care": (("social_care_package",), _flag("social_care_package", "receives social care")),
    "care_home": (("care_home",), _flag("care_home", "lives in a care home")),
    "housebound": (("housebound",), _flag("housebound", "housebound")),
    "homeless": (("homeless",), _flag("homeless", "no fixed abode")),
    "learning_disability": (("learning_disability",), _flag("learning_disability", "learning disability")),
    "palliative": (("palliative_care",), _flag("palliative_care", "on the palliative care register")),
    "inpatient": (("current_inpatient",), _flag("current_inpatient", "in hospital now")),
    **{
        c.name: ((ltc_column(c),), _flag(ltc_column(c), c.label))
        for c in LONG_TERM_CONDITIONS
    },
}


def contributions(model: RiskModel, frame: pd.DataFrame) -> np.ndarray:
    scaler, regression = model.estimator.steps[0][1], model.estimator.steps[1][1]
    standardised = scaler.transform(design_matrix(frame))
    return standardised * regression.coef_[0]


def top_factors(model: RiskModel, frame: pd.DataFrame, k: int = TOP_FACTORS) -> list[str]:
    names = feature_names()
    per_feature = contributions(model, frame)
    concept_names = list(CONCEPTS)
    grouping = np.zeros((len(names), len(concept_names)))
    for j, concept in enumerate(concept_names):
        for feature in CONCEPTS[concept][0]:
            grouping[names.index(feature), j] = 1.0
    per_concept = per_feature @ grouping
    order = np.argsort(-per_concept, axis=1, kind="stable")
    records = frame.to_dict("records")
    texts = []
    for i, row in enumerate(records):
        words = []
        for j in order[i]:
            if per_concept[i, j] <= 0 or len(words) == k:
                break
            phrase = CONCEPTS[concept_names[j]][1](row)
            if phrase:
                words.append(phrase)
        texts.append("; ".join(words))
    return texts
