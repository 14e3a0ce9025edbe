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
import pyarrow as pa
import pyarrow.compute as pc

from octopus.population.features.conditions import LONG_TERM_CONDITIONS, ltc_column
from octopus.population.risk.design import design_matrix, feature_names, input_columns
from octopus.population.risk.threads import model_threads

if TYPE_CHECKING:  # scikit-learn is imported by whoever fitted the model, not to explain it
    from octopus.population.risk.train import RiskModel

TOP_FACTORS = 3


def _plural(n: pd.Series, word: str, plural: str | None = None) -> pd.Series:
    n = n.astype("int64")
    return n.astype(str) + " " + np.where(n == 1, word, plural or word + "s")


@dataclass(frozen=True)
class Concept:
    """Features grouped as one idea; ``applies`` says who has words for it, ``words`` renders them.

    Both take a frame and work on whole columns. ``words`` reads at most one column, ``reads``
    (None: the same words for everyone), and is called with that column's distinct values among
    the residents the concept was chosen for, not once per resident.
    """

    features: tuple[str, ...]
    applies: Callable[[pd.DataFrame], pd.Series]
    words: Callable[[pd.DataFrame], pd.Series]
    reads: str | None = None


def _count(column: str, word: str, plural: str | None = None) -> Concept:
    return Concept(
        (),
        lambda f: f[column] > 0,
        lambda f: _plural(f[column], word, plural) + " in the last year",
        column,
    )


def _flag(column: str, words: str) -> Concept:
    return Concept((), lambda f: f[column].astype(bool), lambda f: pd.Series(words, index=f.index))


def _with(features: tuple[str, ...], concept: Concept) -> Concept:
    return Concept(features, concept.applies, concept.words, concept.reads)


def _deprived(f: pd.DataFrame) -> pd.Series:
    decile = f["imd_decile"].astype("Float64")
    return (decile <= 3).fillna(False).astype(bool)


CONCEPTS: dict[str, Concept] = {
    "age": Concept(
        ("age", "age_over_75"),
        lambda f: pd.Series(True, index=f.index),
        lambda f: "aged " + f["age"].astype("int64").astype(str),
        "age",
    ),
    "emergency": _with(
        ("log_emergency_admissions", "emergency_in_last_90_days"), _count("emergency_admissions", "emergency admission")
    ),
    "frailty": Concept(
        ("efi",), lambda f: f["efi_category"] != "fit", lambda f: f["efi_category"] + " frailty", "efi_category"
    ),
    "hfrs": Concept(
        ("hfrs",),
        lambda f: f["hfrs"] > 0,
        lambda f: f["hfrs"].round(1).map("hospital frailty risk score {:.1f}".format),
        "hfrs",
    ),
    "ltc_count": Concept(
        ("ltc_count",),
        lambda f: f["ltc_count"] > 0,
        lambda f: _plural(f["ltc_count"], "long-term condition"),
        "ltc_count",
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
        lambda f: f["prior_cost"].round(0).map("£{:,.0f} of care in the last year".format),
        "prior_cost",
    ),
    "deprivation": Concept(
        ("imd_decile_filled",),
        _deprived,
        lambda f: "lives in a deprived area (IMD decile " + f["imd_decile"].astype("int64").astype(str) + ")",
        "imd_decile",
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


# The columns the concepts' words read.
WORD_COLUMNS = tuple(dict.fromkeys(c.reads for c in CONCEPTS.values() if c.reads))


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
    # The model's BLAS threads (one by default): a second saved a tenth of this product's wall time
    # at 1M residents for half as much CPU again spent waiting, while other steps want that core.
    with model_threads(user_api="blas"):
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


def _phrases(concept: Concept, narrow: pd.DataFrame, rows: np.ndarray) -> tuple[np.ndarray, list[str]]:
    """The concept's words for ``rows`` of ``narrow``: each row's position among the phrases, and
    the phrases, rendered once per distinct value of the column they read (ages, counts and costs
    repeat a great deal; rendering per resident was most of the factors' time at 1M)."""
    if concept.reads is None:
        return np.zeros(len(rows), dtype=np.int64), [str(concept.words(narrow.iloc[:1]).iloc[0])]
    codes, distinct = pd.factorize(narrow[concept.reads].iloc[rows], use_na_sentinel=False)
    words = concept.words(pd.DataFrame({concept.reads: distinct}))
    return codes.astype(np.int64), [str(w) for w in words]


def _joined(vocabulary: list[str], places: np.ndarray) -> pa.Array:
    """Each row's phrases (positions in ``vocabulary``, -1 for none, filled from the left)
    joined by "; " in Arrow: no Python string per resident."""
    phrases = pa.array([None, *vocabulary], type=pa.string())
    slots = [phrases.take(pa.array(places[:, slot] + 1)) for slot in range(places.shape[1])]
    # Not binary_join_element_wise(..., null_handling="skip") over all the slots: pyarrow 26
    # drops the rows whose slots are all null from its result.
    texts = pc.fill_null(slots[0], "")
    for slot in slots[1:]:
        texts = pc.coalesce(pc.binary_join_element_wise(texts, slot, "; "), texts)
    return texts


def top_factor_texts(
    model: RiskModel, frame: pd.DataFrame, k: int = TOP_FACTORS, matrix: np.ndarray | None = None
) -> pa.Array:
    """Per resident, up to ``k`` phrases for the concepts that raise their risk most, "; "
    between them, as an Arrow string array.

    Concepts are taken in order of contribution (ties in declaration order); one without
    words for this resident (an A&E contribution with no attendance, say) is skipped and the
    next one is used. Works on whole columns, so a million residents take about a second: the
    top ``k`` come from ``largest``, each concept's words are rendered once per distinct value
    (``_phrases``), and the phrases are joined in Arrow (``_joined``).
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
    vocabulary: list[str] = []
    places = np.full((n, k), -1, dtype=np.int64)
    # Every place grouped by its concept in one sort (empty places, -1, first), not one scan of
    # the whole table per concept.
    flat = chosen.ravel()
    order = np.argsort(flat, kind="stable")
    bounds = np.concatenate([[0], np.cumsum(np.bincount(flat + 1, minlength=width + 1))])
    for j, concept in enumerate(concept_names):
        where = order[bounds[j + 1] : bounds[j + 2]]
        if len(where):
            where_row, where_slot = np.divmod(where, k)
            codes, phrases = _phrases(CONCEPTS[concept], narrow, where_row)
            places[where_row, where_slot] = codes + len(vocabulary)
            vocabulary += phrases
    return _joined(vocabulary, places)


def top_factors(
    model: RiskModel, frame: pd.DataFrame, k: int = TOP_FACTORS, matrix: np.ndarray | None = None
) -> list[str]:
    """``top_factor_texts`` as Python strings."""
    return top_factor_texts(model, frame, k, matrix).to_pylist()
