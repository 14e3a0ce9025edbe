"""The schema of ``outreach.yaml``: visits per day and the prevention gaps a CHWW may see. Read
through the one configuration loader (``octopus.config``, decision 0065)."""

from typing import Annotated

from pydantic import Field, StringConstraints, field_validator

from octopus.config import FILES, Schema, load, parse_text

CONFIG_FILE = FILES["outreach.yaml"].default
ProgrammeName = Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_]*$")]


class DoorstepPrompt(Schema):
    label: str = Field(min_length=1, description="The words a CHWW sees, e.g. 'Bowel screening due'.")
    min_age: int | None = Field(
        None,
        strict=True,
        ge=0,
        description=("Hide the gap below this age (a flu prompt under 65 would reveal a clinical risk group)."),
    )


class OutreachConfig(Schema):
    """Outreach settings (``outreach.yaml``)."""

    visits_per_day: int = Field(
        strict=True,
        ge=1,
        le=50,
        description=("Households a CHWW is planned to visit on one working day, unless the planner says otherwise."),
    )
    prompts: dict[
        ProgrammeName, Annotated[str, StringConstraints(strip_whitespace=True, min_length=1)] | DoorstepPrompt
    ] = Field(
        default_factory=dict,
        alias="doorstep_prompts",
        description=(
            "Open prevention gaps a CHWW may see on the doorstep (programme names from prevention.yaml), "
            "each with the words shown, or {label, min_age}. An information-governance decision (decision 0021)."
        ),
    )

    @field_validator("prompts", mode="before")
    @classmethod
    def _mapping(cls, value):
        if not isinstance(value, dict):
            raise ValueError("doorstep_prompts must map prevention programme names to the words a CHWW sees.")
        return value

    @property
    def doorstep_prompts(self) -> dict[str, str]:
        """Programme name -> the words a CHWW sees."""
        return {name: p if isinstance(p, str) else p.label.strip() for name, p in self.prompts.items()}

    @property
    def prompt_min_ages(self) -> dict[str, int]:
        """Programme name -> the age below which its gap is not shown (it would reveal a condition)."""
        return {
            name: p.min_age
            for name, p in self.prompts.items()
            if isinstance(p, DoorstepPrompt) and p.min_age is not None
        }


def parse(text: str, source: str = "outreach.yaml") -> OutreachConfig:
    return parse_text(text, OutreachConfig, source)


def settings() -> OutreachConfig:
    return load("outreach.yaml")
