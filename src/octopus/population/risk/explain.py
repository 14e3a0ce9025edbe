"""Top contributing factors per resident, in plain words.

Contributions come from the logistic model (coefficient x standardised value), grouped into
concepts a practitioner recognises, so the words are the same whichever model was chosen to
score. Only factors that raise the resident's risk above the population average are shown.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from octopus.population.features.conditions import LONG_TERM_CONDITIONS, ltc_column
from octopus.population.risk.design import design_matrix, feature_names, input_columns

if TYPE_CHECKING:  # scikit-learn is imported by whoever fitted the model, not to explain it
    from octopus.population.risk.train import RiskModel

TOP_FACTORS = 3


def _plural(n: pd.Series, word: str, plural: str | None = None) -> pd.Series:
    n = n.astype("int64")
    return n.astype(str) + " " + np.where(n == 1, word, plural or word + "s")


@dataclass(frozen=True)
class Concept:
    """Features grouped as one idea; ``applies`` says who has words for it, ``words`` renders them.

    Both take a frame and work on whole columns: ``words`` is only called for the residents the
    concept was chosen for.
    """

    features: tuple[str, ...]
    applies: Callable[[pd.DataFrame], pd.Series]
    words: Callable[[pd.DataFrame], pd.Series]


def _formatted(values: pd.Series, template: str) -> pd.Series:
    """``template.format`` of each value, formatting each distinct value once (scores and costs
    repeat a great deal; formatting per resident was seconds at 1M)."""
    distinct = values.drop_duplicates()
    return values.map(dict(zip(distinct, (template.format(v) for v in distinct), strict=True)))


def _count(column: str, word: str, plural: str | None = None) -> Concept:
    return Concept(
        (),
        lambda f: f[column] > 0,
        lambda f: _plural(f[column], word, plural) + " in the last year",
    )


def _flag(column: str, words: str) -> Concept:
    return Concept((), lambda f: f[column].astype(bool), lambda f: pd.Series(words, index=f.index))


def _with(features: tuple[str, ...], concept: Concept) -> Concept:
    return Concept(features, concept.applies, concept.words)


def _deprived(f: pd.DataFrame) -> pd.Series:
    decile = f["imd_decile"].astype("Float64")
    return (decile <= 3).fillna(False).astype(bool)


CONCEPTS: dict[str, Concept] = {
    "age": Concept(
        ("age", "age_over_75"),
        lambda f: pd.Series(True, index=f.index),
        lambda f: "aged " + f["age"].astype("int64").astype(str),
    ),
    "emergency": _with(
        ("log_emergency_admissions", "emergency_in_last_90_days"), _count("emergency_admissions", "emergency admission")
    ),
    "frailty": Concept(("efi",), lambda f: f["efi_category"] != "fit", lambda f: f["efi_category"] + " frailty"),
    "hfrs": Concept(
        ("hfrs",),
        lambda f: f["hfrs"] > 0,
        lambda f: _formatted(f["hfrs"].round(1), "hospital frailty risk score {:.1f}"),
    ),
    "ltc_count": Concept(
        ("ltc_count",), lambda f: f["ltc_count"] > 0, lambda f: _plural(f["ltc_count"], "long-term condition")
    ),
    "bed_days": _with(("log_bed_days",), _count("bed_days", "day in hospital", "days in hospital")),
    "elective": _with(("log_elective_admissions",), _count("elective_admissions", "planned admission")),
    "ae": _with(("log_ae_attendances",), _count("ae_attendances", "A&E attendance")),
    "ambulance": _with(("log_ambulance_calls",), _count("ambulance_calls", "ambulance call")),
    "outpatient": _with(("log_outpatient_attendances",), _count("outpatient_attendances", "outpatient appointment")),
    "gp": _with(("log_gp_contacts",), _count("gp_contacts", "GP appointment")),
    "mental_health": _with(
        ("log_mental_health_contacts", "log_mental_health_admissions"),
        _count("mental_health_contacts", "mental health contact"),
    ),
    "community": _with(("log_community_contacts",), _count("community_contacts", "community health contact")),
    "cost": Concept(
        ("log_prior_cost",),
        lambda f: f["prior_cost"] > 0,
        lambda f: _formatted(f["prior_cost"].round(0), "£{:,.0f} of care in the last year"),
    ),
    "deprivation": Concept(
        ("imd_decile_filled",),
        _deprived,
        lambda f: "lives in a deprived area (IMD decile " + f["imd_decile"].astype("int64").astype(str) + ")",
    ),
    "social_care": _with(("social_care_package",), _flag("social_care_package", "receives social care")),
    "care_home": _with(("care_home",), _flag("care_home", "lives in a care home")),
    "housebound": _with(("housebound",), _flag("housebound", "housebound")),
    "homeless": _with(("homeless",), _flag("homeless", "no fixed abode")),
    "learning_disability": _with(("learning_disability",), _flag("learning_disability", "learning disability")),
    "palliative": _with(("palliative_care",), _flag("palliative_care", "on the palliative care register")),
    "inpatient": _with(("current_inpatient",), _flag("current_inpatient", "in hospital now")),
    **{c.name: _with((ltc_column(c),), _flag(ltc_column(c), c.label)) for c in LONG_TERM_CONDITIONS},
}


WORD_COLUMNS = (
    "age",
    "efi_category",
    "hfrs",
    "ltc_count",
    "prior_cost",
    "imd_decile",
    "emergency_admissions",
    "bed_days",
    "elective_admissions",
    "ae_attendances",
    "ambulance_calls",
    "outpatient_attendances",
    "gp_contacts",
    "mental_health_contacts",
    "community_contacts",
)


def reads() -> list[str]:
    """Every feature column ``top_factors`` reads: the model's inputs and the words' columns."""
    return list(dict.fromkeys([*input_columns(), *WORD_COLUMNS]))


# A concept's contribution at or below this many log-odds raises nobody's risk: it absorbs the
# rounding of the folded sum below (a feature at exactly the training mean contributes 0.0).
NEGLIGIBLE = 1e-9


def concept_contributions(model: RiskModel, matrix: np.ndarray, grouping: np.ndarray) -> np.ndarray:
    """Each feature's contribution (coefficient x standardised value after pooling) summed per
    concept by ``grouping``, as one product: pooling, standardising and the
    coefficients are all linear, so they fold into a features x concepts matrix and an offset.
    At 1M residents this replaces copying, standardising and multiplying the whole matrix."""
    scaler, regression = model.estimator.steps[0][1], model.estimator.steps[1][1]
    per_unit = regression.coef_[0] / scaler.scale_
    weights = model.support.as_linear_map() @ (per_unit[:, None] * grouping)
    offset = (scaler.mean_ * per_unit) @ grouping
    return matrix @ weights - offset


def largest(key: np.ndarray, k: int) -> np.ndarray:
    """Per row, the columns of the ``k`` largest finite values, largest first, ties in column
    order (as a stable full sort would); -1 where a row has fewer.

    ``k`` passes of argmax, which returns the first of equal values: at 1M residents a tenth of
    the cost of partitioning and then sorting each row. ``key`` is overwritten.
    """
    every = np.arange(len(key))
    chosen = np.full((len(key), k), -1)
    for slot in range(k):
        best = key.argmax(axis=1)
        found = key[every, best] > -np.inf
        chosen[found, slot] = best[found]
        key[every, best] = -np.inf
    return chosen


def top_factors(
    model: RiskModel, frame: pd.DataFrame, k: int = TOP_FACTORS, matrix: np.ndarray | None = None
) -> list[str]:
    """Per resident, up to ``k`` phrases for the concepts that raise their risk most.

    Concepts are taken in order of contribution (ties in declaration order); one without
    words for this resident (an A&E contribution with no attendance, say) is skipped and the
    next one is used. Works on whole columns, so a million residents take seconds: the top
    ``k`` come from ``largest``, and each concept's words are rendered once for every resident
    who has it in any place.
    """
    names = feature_names()
    concept_names = list(CONCEPTS)
    grouping = np.zeros((len(names), len(concept_names)))
    for j, concept in enumerate(concept_names):
        for feature in CONCEPTS[concept].features:
            grouping[names.index(feature), j] = 1.0
    per_concept = concept_contributions(model, design_matrix(frame) if matrix is None else matrix, grouping)
    applies = np.column_stack([np.asarray(CONCEPTS[c].applies(frame), dtype=bool) for c in concept_names])
    eligible = (per_concept > NEGLIGIBLE) & applies
    n, width = per_concept.shape
    k = min(k, width)
    chosen = largest(np.where(eligible, per_concept, -np.inf), k)
    # The phrases read only these columns: take rows from a narrow frame, not the whole feature
    # table (taking rows of 60 columns per concept and slot was most of the time at 1M).
    narrow = frame[[c for c in WORD_COLUMNS if c in frame.columns]].reset_index(drop=True)
    places = np.full((n, k), None, dtype=object)
    for j, concept in enumerate(concept_names):
        where_row, where_slot = np.nonzero(chosen == j)
        if len(where_row):
            unique_rows, inverse = np.unique(where_row, return_inverse=True)
            words = np.asarray(CONCEPTS[concept].words(narrow.iloc[unique_rows]), dtype=object)
            places[where_row, where_slot] = words[inverse]
    texts = np.where(places[:, 0] == None, "", places[:, 0])  # noqa: E711 (elementwise)
    for slot in range(1, k):
        has = places[:, slot] != None  # noqa: E711 (elementwise)
        texts[has] = texts[has] + "; " + places[has, slot]
    return texts.tolist()
