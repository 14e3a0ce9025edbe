"""The schema of ``care.yaml``: the check-in frequencies, monitoring period and due times an INT
sets. Read through the one configuration loader (``octopus.config``, decision 0065)."""

from typing import Annotated

from pydantic import Field, field_validator

from octopus.config import FILES, Schema, load, parse_text

CONFIG_FILE = FILES["care.yaml"].default
TIERS = ("universal", "proactive", "complex")
URGENCIES = ("urgent", "soon", "routine")
Days = Annotated[int, Field(strict=True, ge=1, description="a whole number of days, at least 1")]


def _each(expected: tuple[str, ...]):
    def check(value: dict[str, int]) -> dict[str, int]:
        missing = [name for name in expected if name not in value]
        unknown = [name for name in value if name not in expected]
        if missing or unknown:
            raise ValueError(
                f"give a number of days for each of {', '.join(expected)} and nothing else"
                + (f" (missing {', '.join(missing)})" if missing else "")
                + (f" (unknown {', '.join(unknown)})" if unknown else "")
                + "."
            )
        return value

    return check


class CareConfig(Schema):
    """Care coordination settings (``care.yaml``)."""

    check_in_every_days: dict[str, Days] = Field(
        description=f"How often residents are checked in with, in days, for each tier: {', '.join(TIERS)}."
    )
    monitor_after_step_down_days: Days = Field(
        description="How long a resident stepped down from a tier stays monitored by the tier below."
    )
    referral_response_days: dict[str, Days] = Field(
        description=f"When a referral's first response is due, by urgency: {', '.join(URGENCIES)}."
    )
    first_contact_days: Days = Field(description="After acceptance, first contact is due within this many days.")
    referral_recently_closed_days: Days = Field(
        description="A closed referral still lets the people involved open the record for this long."
    )
    case_recently_closed_days: Days = Field(description="A closed case lets its team open the record for this long.")
    several_organisations_per_week: Days = Field(
        description="Contacts by this many different organisations in one week raise a warning."
    )
    first_review_days: Days = Field(description="Days until the first review when a resident joins a caseload.")

    _tiers = field_validator("check_in_every_days")(_each(TIERS))
    _urgencies = field_validator("referral_response_days")(_each(URGENCIES))


def parse(text: str, source: str = "care.yaml") -> CareConfig:
    return parse_text(text, CareConfig, source)


def settings() -> CareConfig:
    return load("care.yaml")
