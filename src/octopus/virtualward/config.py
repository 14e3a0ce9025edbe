"""The schema of ``virtualward.yaml``: response times, the missed-observation grace, the trend
rule and the escalation chain an INT sets. Read through the one configuration loader
(``octopus.config``, decision 0065)."""

from pydantic import Field, field_validator

from octopus.config import FILES, ConfigError, Schema, load, parse_text

CONFIG_FILE = FILES["virtualward.yaml"].default
RESPONSE_KEYS = ("low-medium", "medium", "high", "trend", "missed")


class Step(Schema):
    after_minutes: int = Field(strict=True, ge=0, description="Minutes without an answer before this step.")
    to_role: str = Field(description="The role alerted (from roles.yaml).")
    label: str = Field(description="Who that is, as people see it.")

    @field_validator("to_role")
    @classmethod
    def _known_role(cls, value: str) -> str:
        from octopus.accounts.roles import catalogue

        try:
            known = catalogue().roles
        except ConfigError:  # roles.yaml's own problems are reported against roles.yaml
            return value
        if value not in known:
            raise ValueError(f"{value!r} is not a role in roles.yaml.")
        return value


class WardConfig(Schema):
    """Virtual ward settings (``virtualward.yaml``)."""

    response_minutes: dict[str, int] = Field(
        description=(f"Minutes to respond to an alert, for each of {', '.join(RESPONSE_KEYS)}.")
    )
    missed_grace_minutes: int = Field(
        strict=True, ge=0, description=("Minutes after a scheduled observation before it counts as missed.")
    )
    trend_rise_points: int = Field(strict=True, ge=1, description="A NEWS2 rise of this many points is a rising trend.")
    escalation_chain: tuple[Step, ...] = Field(
        min_length=1, description="Who is alerted, in order, when nobody answers."
    )

    @field_validator("response_minutes")
    @classmethod
    def _every_alert(cls, value: dict[str, int]) -> dict[str, int]:
        if set(value) != set(RESPONSE_KEYS):
            raise ValueError(f"give minutes for each of {', '.join(RESPONSE_KEYS)} and nothing else.")
        bad = [k for k, v in value.items() if not isinstance(v, int) or isinstance(v, bool) or v < 1]
        if bad:
            raise ValueError(f"{', '.join(bad)}: expected a whole number of minutes of at least 1.")
        return value


def parse(text: str, source: str = "virtualward.yaml") -> WardConfig:
    return parse_text(text, WardConfig, source)


def settings() -> WardConfig:
    return load("virtualward.yaml")
