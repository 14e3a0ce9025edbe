"""What the risk model predicts: the outcome an INT chooses in ``config/model.yaml``.

Each outcome is counted over the 12 months after the feature date, and a resident has it when
they had at least one such event. The definitions say which feed rows count, in the words the
model card prints, so the card always names the outcome its scores are for.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import ibis
import yaml

from octopus.population.config import CONFIG_DIR, ConfigError
from octopus.population.features import activity
from octopus.population.features.periods import Period
from octopus.population.linked import LinkedExtract

MODEL_FILE = CONFIG_DIR / "model.yaml"
OUTCOME_COLUMN = "outcome_next_year"


@dataclass(frozen=True)
class Outcome:
    name: str
    title: str
    definition: str
    events: Callable[[LinkedExtract, Period], ibis.Table]

    @property
    def model_version(self) -> str:
        return f"{self.name.replace('_', '-')}-12m/1"


OUTCOMES = {
    outcome.name: outcome
    for outcome in (
        Outcome(
            "emergency_admission", "emergency admission within 12 months",
            "At least one emergency hospital admission (apc_spells, admission_method emergency) "
            "in the 12 months after the feature date.",
            activity.emergency_admissions_next_year,
        ),
        Outcome(
            "emergency_contact", "emergency hospital contact within 12 months",
            "At least one emergency hospital contact in the 12 months after the feature date: an "
            "emergency admission (apc_spells, admission_method emergency) or an A&E attendance "
            "(ae_attendances, any type).",
            activity.emergency_contacts_next_year,
        ),
    )
}
DEFAULT_OUTCOME = OUTCOMES["emergency_admission"]


@dataclass(frozen=True)
class ModelConfig:
    outcome: Outcome = DEFAULT_OUTCOME


def outcome_named(name: str, where: str = "") -> Outcome:
    try:
        return OUTCOMES[name]
    except KeyError:
        raise ConfigError(
            f"{where}outcome {name!r} is not one Octopus knows: use one of {', '.join(OUTCOMES)}."
        ) from None


def load_model_config(path: Path | str = MODEL_FILE) -> ModelConfig:
    path = Path(path)
    try:
        document = yaml.safe_load(path.read_text()) or {}
    except (OSError, yaml.YAMLError) as error:
        raise ConfigError(f"{path}: cannot be read as YAML ({error}).") from None
    if not isinstance(document, dict):
        raise ConfigError(f"{path}: expected keys such as 'outcome:', found {type(document).__name__}.")
    unknown = set(document) - {"outcome"}
    if unknown:
        raise ConfigError(f"{path}: unknown key(s) {', '.join(sorted(unknown))}; the file takes 'outcome'.")
    return ModelConfig(outcome_named(str(document.get("outcome", DEFAULT_OUTCOME.name)), f"{path}: "))
