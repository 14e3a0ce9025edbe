"""Model sense checks (issue #15): rare features are pooled or left out, and no effect shown on the
model card rests on fewer than the support threshold of residents with the outcome."""

import datetime as dt

import numpy as np
import pytest

from octopus.core.disclosure import DisclosureRules
from octopus.population import engines
from octopus.population.features import build_features
from octopus.population.linked import read_linked
from octopus.population.risk.design import FLAGS, POOLED_FLAGS, design_matrix, feature_names, outcome
from octopus.population.risk.model_card import build_card, render_markdown
from octopus.population.risk.support import MIN_SUPPORT, FeatureSupport, decide, enough
from octopus.population.risk.train import points_table, train
from octopus.population.simulate import simulate_linked

AS_OF = dt.date(2025, 3, 31)


def test_support_threshold_is_above_the_disclosure_threshold():
    assert MIN_SUPPORT > DisclosureRules().suppress_up_to and MIN_SUPPORT >= 10


def _matrix(n=400, seed=1):
    rng = np.random.default_rng(seed)
    x = np.zeros((n, len(feature_names())))
    names = feature_names()
    x[:, names.index("age")] = rng.integers(20, 90, n)
    y = (rng.uniform(size=n) < 0.3).astype(int)
    return x, y, names


def test_a_flag_with_three_residents_with_the_outcome_is_pooled_and_its_effect_not_estimated():
    x, y, names = _matrix()
    hiv, copd = names.index("ltc_hiv"), names.index("ltc_copd")
    events, non_events = np.flatnonzero(y == 1), np.flatnonzero(y == 0)
    x[events[:3], hiv] = 1  # 3 with the outcome: too few
    x[events[:3], names.index("ltc_dementia")] = 1
    x[non_events[:20], hiv] = 1
    x[events[:40], copd] = 1
    x[non_events[:40], copd] = 1
    support = decide(x, y)
    assert "ltc_hiv" in support.pooled and "ltc_copd" not in support.pooled
    assert (support.apply(x)[:, hiv] == 0).all()
    # Pooling alone: two rare flags for the three residents who have both.
    pooled = FeatureSupport(support.pooled).apply(x)
    assert pooled[events[:3], names.index(POOLED_FLAGS)].tolist() == [2.0, 2.0, 2.0]
    # The pooled count itself rests on 3 residents with the outcome: left out as well.
    assert POOLED_FLAGS in support.left_out and not support.shown(POOLED_FLAGS)
    assert (support.apply(x)[:, names.index(POOLED_FLAGS)] == 0).all()
    # A count nobody has is left out, not pooled (it is not a flag).
    assert "log_mental_health_admissions" in support.left_out


def test_decide_leaves_the_matrix_it_is_given_unchanged():
    x, y, names = _matrix()
    x[:2, names.index("ltc_hiv")] = 1
    before = x.copy()
    decide(x, y).apply(x)
    np.testing.assert_array_equal(x, before)


@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    directory = simulate_linked(tmp_path_factory.mktemp("sim") / "linked", people=3000, as_of=AS_OF)
    con = engines.connect()
    frame = engines.execute(
        con, build_features(read_linked(directory, con), AS_OF - dt.timedelta(days=365), with_outcome=True)
    )
    result = train(frame, ("logistic",))
    return result, build_card(result, training_as_of=AS_OF - dt.timedelta(days=365), later_period=None, resamples=5)


def test_no_effect_shown_rests_on_fewer_than_the_threshold_of_residents_with_the_outcome(trained):
    result, card = trained
    sample = result.training_frame.iloc[result.sample_positions]
    x, y = result.logistic.inputs(design_matrix(sample)), outcome(sample)
    names = feature_names()
    shown = [p["feature"] for p in card["points"]]
    assert shown, "the points table shows something"
    for feature in shown:
        column = x[:, names.index(feature)]
        values, counts = np.unique(column, return_counts=True)
        differs = column != values[np.argmax(counts)]
        assert enough((int(y[differs].sum()), int((1 - y[differs]).sum()))), feature
    hidden = set(card["points_not_shown"]["pooled"]) | set(card["points_not_shown"]["left_out"])
    assert hidden and not hidden & set(shown)


def test_pooled_flags_have_no_coefficient_of_their_own(trained):
    result, _ = trained
    coefficients = dict(zip(feature_names(), result.logistic.estimator.steps[1][1].coef_[0], strict=True))
    assert result.logistic.support.pooled
    for feature in result.logistic.support.pooled:
        assert coefficients[feature] == 0.0


def test_card_states_the_rule_and_names_what_it_does_not_show(trained):
    result, card = trained
    markdown = render_markdown(card)
    assert f"at least {MIN_SUPPORT} training residents" in markdown
    for feature in result.logistic.support.pooled:
        assert feature in markdown.split("## Points view")[1].split("| feature |")[0]
    assert [p["feature"] for p in points_table(result.logistic)] == [p["feature"] for p in card["points"]]


def test_the_linear_map_does_what_apply_does():
    """Explanations fold pooling into one matrix product (``explain.concept_contributions``)."""
    names = feature_names()
    flags = [n for n in FLAGS if n != POOLED_FLAGS][:3]
    support = FeatureSupport(pooled=tuple(flags[:2]), left_out=(flags[2], "age"))
    matrix = np.random.default_rng(5).integers(0, 4, size=(50, len(names))).astype(float)
    assert np.array_equal(matrix @ support.as_linear_map(), support.apply(matrix))
    assert np.array_equal(matrix @ FeatureSupport().as_linear_map(), matrix)
