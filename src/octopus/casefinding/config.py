"""The schema of ``casefinding.yaml``: the practice relationship's roles, page size and check-in
scripts. Read through the one configuration loader (``octopus.config``, decision 0065)."""

from typing import Annotated

from pydantic import Field, StringConstraints, field_validator

from octopus.accounts.roles import catalogue
from octopus.config import FILES, ConfigError, Schema, load, parse_text

CONFIG_FILE = FILES["casefinding.yaml"].default
Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1)]


class Answer(Schema):
    answer: Text = Field(description="An answer the resident may give.")
    then: Text = Field(description="What the caller does with it.")


class Question(Schema):
    ask: Text = Field(description="The question as the caller asks it.")
    answers: tuple[Answer, ...] = Field(min_length=1, description="The answers and what to do with each.")


class Script(Schema):
    code: str = Field("", description="Set from the key under check_in_scripts; not written in the file.")
    title: Text = Field(description="The script's title.")
    every_days: int = Field(strict=True, ge=1, le=366, description="Days between calls.")
    # care.services.schedule_check_ins schedules at most 24 calls at once.
    calls: int = Field(strict=True, ge=1, le=24, description="How many calls are scheduled.")
    questions: tuple[Question, ...] = Field(min_length=1, description="The questions, in order.")


class DischargeFollowUpRule(Schema):
    lists: frozenset[Annotated[str, StringConstraints(min_length=1)]] = Field(
        description="The case-finding lists whose residents get a follow-up call."
    )
    within_hours: int = Field(strict=True, ge=1, le=24 * 14, description="The call is due within this many hours.")
    source: Text = Field(description="The standard the time comes from (a reference).")

    @property
    def days(self) -> int:
        # The hospital feed gives the day of discharge, not the hour: 72 hours is the third day.
        return -(-self.within_hours // 24)


def _known_roles(value: frozenset[str]) -> frozenset[str]:
    try:
        known = catalogue().roles
    except ConfigError:  # roles.yaml's own problems are reported against roles.yaml
        return value
    unknown = sorted(set(value) - set(known))
    if unknown:
        raise ValueError(f"unknown role(s) {', '.join(unknown)}; roles are in roles.yaml.")
    return value


class PracticeRelationship(Schema):
    practice_roles: frozenset[str] = Field(description="Roles whose practice's registered residents they may open.")
    pcn_roles: frozenset[str] = Field(frozenset(), description="Roles whose PCN's registered residents they may open.")

    _roles = field_validator("practice_roles", "pcn_roles")(_known_roles)


class CasefindingConfig(Schema):
    """Case-finding settings (``casefinding.yaml``)."""

    practice_relationship: PracticeRelationship = Field(
        description="Which roles the GP practice and PCN relationship covers."
    )
    page_size: int = Field(strict=True, ge=10, le=500, description="Residents per page of a case-finding list.")
    scripts: dict[str, Script] = Field(
        min_length=1,
        alias="check_in_scripts",
        description=("Check-in scripts by code: title, every_days, calls and questions."),
    )
    discharge_follow_up: DischargeFollowUpRule = Field(description="The follow-up call after a hospital discharge.")

    @field_validator("scripts")
    @classmethod
    def _codes(cls, scripts: dict[str, Script]) -> dict[str, Script]:
        return {code: script.model_copy(update={"code": code}) for code, script in scripts.items()}

    @property
    def practice_roles(self) -> frozenset[str]:
        return self.practice_relationship.practice_roles

    @property
    def pcn_roles(self) -> frozenset[str]:
        return self.practice_relationship.pcn_roles


def parse(text: str, source: str = "casefinding.yaml") -> CasefindingConfig:
    return parse_text(text, CasefindingConfig, source)


def settings() -> CasefindingConfig:
    return load("casefinding.yaml")
