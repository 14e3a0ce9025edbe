"""Plain-words factors: per resident, the concepts that raise their risk most, in order."""

import datetime as dt

import numpy as np
import pytest

from octopus.population import engines
from octopus.population.features import build_features
from octopus.population.linked import read_linked
from octopus.population.risk.design import design_matrix, feature_names
from octopus.population.risk.explain import CONCEPTS, TOP_FACTORS, top_factors
from octopus.population.risk.train import train
from octopus.population.simulate import simulate_linked

AS_OF = dt.date(2025, 3, 31)


@pytest.fixture(scope="module")
def fitted(tmp_path_factory):
    directory = simulate_linked(tmp_path_factory.mktemp("explain") / "linked", people=3000, as_of=AS_OF, seed=3)
    con = engines.connect()
    linked = read_linked(directory, con)
    training = engines.execute(con, build_features(linked, AS_OF - dt.timedelta(days=365), with_outcome=True))
    current = engines.execute(con, build_features(linked, AS_OF), sort_by="person_id")
    return train(training, ("logistic",)).logistic, current


def contributions(model, frame) -> np.ndarray:
    """Each feature's contribution, as the definition states it: coefficient x standardised value."""
    scaler, regression = model.estimator.steps[0][1], model.estimator.steps[1][1]
    return scaler.transform(model.inputs(design_matrix(frame))) * regression.coef_[0]


def reference(model, frame) -> list[str]:
    """The definition, one resident at a time: concepts by contribution (largest first, ties in
    declaration order), keeping those that raise risk and have words for this resident."""
    names = feature_names()
    per_feature = contributions(model, frame)
    texts = []
    for i in range(len(frame)):
        row = frame.iloc[[i]]
        scored = []
        for position, (name, concept) in enumerate(CONCEPTS.items()):
            value = sum(per_feature[i, names.index(f)] for f in concept.features)
            if value > 0 and bool(concept.applies(row).iloc[0]):
                scored.append((-value, position, name))
        chosen = [name for _, _, name in sorted(scored)[:TOP_FACTORS]]
        texts.append("; ".join(str(CONCEPTS[name].words(row).iloc[0]) for name in chosen))
    return texts


def test_top_factors_match_the_definition_resident_by_resident(fitted):
    model, frame = fitted
    sample = frame.iloc[np.random.default_rng(7).choice(len(frame), size=300, replace=False)].reset_index(drop=True)
    assert top_factors(model, sample) == reference(model, sample)


def test_top_factors_name_the_highest_risk_residents_reasons(fitted):
    model, frame = fitted
    texts = top_factors(model, frame)
    assert len(texts) == len(frame)
    with_admissions = np.flatnonzero(frame["emergency_admissions"].to_numpy() >= 2)
    assert with_admissions.size and all("emergency admission" in texts[i] for i in with_admissions[:50])


def test_largest_takes_ties_in_column_order_and_leaves_empty_places():
    from octopus.population.risk.explain import largest

    key = np.array(
        [
            [1.0, 3.0, 3.0, 2.0, 3.0],  # a tie for first among three columns
            [-np.inf, 0.5, -np.inf, -np.inf, -np.inf],  # one eligible concept
            [-np.inf] * 5,  # none
        ]
    )
    assert largest(key, 3).tolist() == [[1, 2, 4], [1, -1, -1], [-1, -1, -1]]


def test_joined_phrases_keep_every_row_in_place_even_with_none():
    from octopus.population.risk.explain import _joined

    places = np.array([[0, 2, -1], [-1, -1, -1], [1, -1, -1], [2, 1, 0]])
    texts = _joined(["aged 80", "housebound", "2 A&E attendances in the last year"], places)
    assert texts.to_pylist() == [
        "aged 80; 2 A&E attendances in the last year",
        "",
        "housebound",
        "2 A&E attendances in the last year; housebound; aged 80",
    ]
