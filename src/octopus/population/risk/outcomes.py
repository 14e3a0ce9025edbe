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
from pydantic import Field, field_validator

from octopus.config import ConfigError, Schema, load, read
from octopus.population.features import activity
from octopus.population.features.periods import Period
from octopus.population.linked import LinkedExtract

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
            "emergency_admission",
            "emergency admission within 12 months",
            "At least one emergency hospital admission (apc_spells, admission_method emergency) "
            "in the 12 months after the feature date.",
            activity.emergency_admissions_next_year,
        ),
        Outcome(
            "emergency_contact",
            "emergency hospital contact within 12 months",
            "At least one emergency hospital contact in the 12 months after the feature date: an "
            "emergency admission (apc_spells, admission_method emergency) or an A&E attendance "
            "(ae_attendances, any type).",
            activity.emergency_contacts_next_year,
        ),
    )
}
DEFAULT_OUTCOME = OUTCOMES["emergency_admission"]


class ModelConfig(Schema):
    """The risk model's outcome (``model.yaml``)."""

    outcome_name: str = Field(
        DEFAULT_OUTCOME.name,
        alias="outcome",
        description=(
            f"What the scores predict over the 12 months after the feature date: one of {', '.join(OUTCOMES)}."
        ),
    )

    @field_validator("outcome_name")
    @classmethod
    def _known(cls, value: str) -> str:
        if value not in OUTCOMES:
            raise ValueError(f"outcome {value!r} is not one Octopus knows: use one of {', '.join(OUTCOMES)}.")
        return value

    @property
    def outcome(self) -> Outcome:
        return OUTCOMES[self.outcome_name]


def outcome_named(name: str, where: str = "") -> Outcome:
    try:
        return OUTCOMES[name]
    except KeyError:
        raise ConfigError(
            f"{where}outcome {name!r} is not one Octopus knows: use one of {', '.join(OUTCOMES)}."
        ) from None


def load_model_config(path: Path | str | None = None) -> ModelConfig:
    """The outcome in effect (the place's ``model.yaml``, else the default), or that in ``path``."""
    return load("model.yaml") if path is None else read(Path(path), ModelConfig)
