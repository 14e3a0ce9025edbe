"""Model tests on a simulated population whose admissions depend on its features plus noise."""

import datetime as dt

import pytest

from octopus.population import engines
from octopus.population.features import build_features
from octopus.population.linked import read_linked
from octopus.population.risk.model_card import build_card, render_markdown
from octopus.population.risk.train import train
from octopus.population.simulate import simulate_linked

AS_OF = dt.date(2025, 3, 31)


@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    directory = simulate_linked(tmp_path_factory.mktemp("sim") / "linked", people=5000, as_of=AS_OF)
    con = engines.connect()
    frame = engines.execute(
        con, build_features(read_linked(directory, con), AS_OF - dt.timedelta(days=365), with_outcome=True)
    )
    result = train(frame)
    card = build_card(result, training_as_of=AS_OF - dt.timedelta(days=365), later_period=None, resamples=30)
    return result, card


def test_chosen_model_beats_prior_admissions_baseline(trained):
    _, card = trained
    chosen = card["models"][card["chosen_model"]]["held_out"]
    assert chosen["auroc"] > card["baselines"]["prior_emergency_admissions"]["auroc"]


def test_chosen_model_is_calibrated_on_held_out_residents(trained):
    _, card = trained
    slope = card["models"][card["chosen_model"]]["held_out"]["calibration"]["slope"]
    assert 0.8 <= slope <= 1.2


def test_model_card_has_ci_top_shares_subgroups_and_published_figures(trained):
    _, card = trained
    held_out = card["models"][card["chosen_model"]]["held_out"]
    low, high = held_out["auroc_95ci"]
    assert low < held_out["auroc"] < high
    assert set(held_out) >= {"top_1pct", "top_5pct", "top_20pct"}
    assert set(card["subgroups_chosen_model_held_out"]) == {"IMD quintile", "sex", "age band", "ethnic group"}
    markdown = render_markdown(card)
    assert "SPARRA" in markdown and "not directly comparable" in markdown


def test_points_view_gives_points_per_feature(trained):
    _, card = trained
    points = {p["feature"]: p["points_per_unit"] for p in card["points"]}
    assert points["log_emergency_admissions"] > 0


def test_training_only_the_chosen_kind_fits_that_candidate_alone(trained):
    result, _ = trained
    later = train(result.training_frame, ("logistic",))
    assert set(later.candidates) == {"logistic"} and later.chosen.kind == "logistic"
    assert later.logistic is later.chosen
