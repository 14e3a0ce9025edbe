"""The shipped default model: data that loads into the same predictions, and the pipeline's
fallback to it when a population is too small to train its own (issue #15)."""

import datetime as dt
import json

import numpy as np
import pytest

from octopus.population import engines
from octopus.population.features import build_features
from octopus.population.linked import read_linked
from octopus.population.pipeline import PipelineConfig, run_pipeline
from octopus.population.risk.default_model import (
    DefaultModelError,
    load_default,
    model_data,
    model_from_data,
)
from octopus.population.risk.design import feature_names
from octopus.population.risk.explain import top_factors
from octopus.population.risk.outcomes import OUTCOMES
from octopus.population.risk.train import train
from octopus.population.simulate import simulate_linked

AS_OF = dt.date(2025, 3, 31)


@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    directory = simulate_linked(tmp_path_factory.mktemp("sim") / "linked", people=2500, as_of=AS_OF)
    con = engines.connect()
    frame = engines.execute(
        con, build_features(read_linked(directory, con), AS_OF - dt.timedelta(days=365), with_outcome=True)
    )
    return train(frame, ("logistic",)), frame


def test_model_as_data_predicts_exactly_as_the_fitted_model(trained):
    result, frame = trained
    loaded = model_from_data(json.loads(json.dumps(model_data(result.chosen))))
    np.testing.assert_allclose(loaded.predict(frame), result.chosen.predict(frame), rtol=1e-12)
    assert top_factors(loaded, frame) == top_factors(result.chosen, frame)
    assert loaded.support == result.chosen.support


def test_model_data_from_other_features_is_refused_with_the_missing_names(trained):
    result, _ = trained
    data = model_data(result.chosen)
    data["features"] = data["features"][:-1] + ["ltc_scurvy"]
    with pytest.raises(DefaultModelError, match="missing rare_flags_pooled; no longer built: ltc_scurvy"):
        model_from_data(data, "emergency_admission.json")


@pytest.mark.parametrize("name", sorted(OUTCOMES))
def test_every_outcome_has_a_shipped_default_model_with_card_and_provenance(name):
    default = load_default(OUTCOMES[name])
    assert default.card["outcome_name"] == name and default.card["outcome"] == OUTCOMES[name].definition
    assert "Synthetic London" in default.provenance["fitted_on"]
    assert f"fit-default-model --outcome {name}" in default.provenance["fitted_by"]
    assert default.calibration_plot.is_file() and default.card_markdown.is_file()
    # Fitted on a population, not invented: it ranks its own held-out synthetic residents well.
    assert default.card["models"]["logistic"]["held_out"]["auroc"] > 0.7
    assert len(default.model.estimator.steps[1][1].coef_[0]) == len(feature_names())


@pytest.fixture(scope="module")
def small_population(tmp_path_factory):
    # 40 residents: a handful of admissions, too few to split into training and validation.
    return simulate_linked(tmp_path_factory.mktemp("small") / "linked", people=40, as_of=AS_OF, seed=3)


def test_population_too_small_to_train_is_scored_by_the_default_model_with_a_note(small_population, tmp_path):
    info = run_pipeline(
        small_population,
        tmp_path / "snapshots",
        as_of=AS_OF,
        config=PipelineConfig(show_progress=False, bootstrap_resamples=5),
    )
    manifest = json.loads((info.path / "manifest.json").read_text())
    assert manifest["default_model"] is True and manifest["outcome"] == "emergency_admission"
    card = json.loads((info.path / "model_card.json").read_text())
    assert "too few to train" in card["fallback"]["reason"]
    assert card["fallback"]["local_population"]["residents"] > 0
    markdown = (info.path / "model_card.md").read_text()
    assert "## Scored by the shipped default model" in markdown and "Synthetic London" in markdown
    assert (info.path / "calibration.png").is_file()
    import pyarrow.parquet as pq

    residents = pq.read_table(info.path / "residents.parquet").to_pandas()
    scored = residents[~residents["analytics_excluded"]]
    assert len(scored) > 0 and scored["risk_band"].notna().all() and scored["risk_probability"].between(0, 1).all()


def test_outcome_chosen_in_configuration_is_the_one_the_card_names(small_population, tmp_path):
    model_file = tmp_path / "model.yaml"
    model_file.write_text("outcome: emergency_contact\n")
    info = run_pipeline(
        small_population,
        tmp_path / "snapshots",
        as_of=AS_OF,
        config=PipelineConfig(show_progress=False, bootstrap_resamples=5, model_file=model_file),
    )
    manifest = json.loads((info.path / "manifest.json").read_text())
    card = json.loads((info.path / "model_card.json").read_text())
    assert manifest["outcome"] == card["outcome_name"] == "emergency_contact"
    assert info.model_version == card["model_version"] == "emergency-contact-12m/1"
    assert "A&E attendance" in (info.path / "model_card.md").read_text()
