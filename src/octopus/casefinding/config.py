"""Reads ``casefinding.yaml``: the practice relationship's roles, page size and check-in scripts.
A mistake names the file and the key, so the person editing it can find it."""

from dataclasses import dataclass
from functools import cache
from pathlib import Path

import yaml

from octopus.accounts.roles import catalogue

CONFIG_FILE = Path(__file__).with_name("casefinding.yaml")


class CasefindingConfigError(ValueError):
    """casefinding.yaml is malformed; the message names the file and key."""


@dataclass(frozen=True)
class Answer:
    answer: str
    then: str


@dataclass(frozen=True)
class Question:
    ask: str
    answers: tuple[Answer, ...]


@dataclass(frozen=True)
class Script:
    code: str
    title: str
    every_days: int
    calls: int
    questions: tuple[Question, ...]


@dataclass(frozen=True)
class DischargeFollowUpRule:
    lists: frozenset[str]
    within_hours: int
    source: str

    @property
    def days(self) -> int:
        # The hospital feed gives the day of discharge, not the hour: 72 hours is the third day.
        return -(-self.within_hours // 24)


@dataclass(frozen=True)
class CasefindingConfig:
    practice_roles: frozenset[str]
    pcn_roles: frozenset[str]
    page_size: int
    scripts: dict[str, Script]
    discharge_follow_up: DischargeFollowUpRule


def _roles(value, where: str) -> frozenset[str]:
    known = set(catalogue().roles)
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise CasefindingConfigError(f"{where}: expected a list of role codes, got {value!r}.")
    unknown = sorted(set(value) - known)
    if unknown:
        raise CasefindingConfigError(f"{where}: unknown role(s) {', '.join(unknown)}; roles are in accounts/roles.yaml.")
    return frozenset(value)


def _whole(value, where: str, low: int, high: int) -> int:
    if not isinstance(value, int) or isinstance(value, bool) or not low <= value <= high:
        raise CasefindingConfigError(f"{where}: expected a whole number from {low} to {high}, got {value!r}.")
    return value


def _text(value, where: str) -> str:
    if not isinstance(value, str) or not value.strip():
        raise CasefindingConfigError(f"{where}: expected some text, got {value!r}.")
    return value.strip()


def _script(code: str, spec, source: str) -> Script:
    where = f"{source}: check_in_scripts.{code}"
    if not isinstance(spec, dict):
        raise CasefindingConfigError(f"{where}: expected title, every_days, calls and questions.")
    questions = spec.get("questions")
    if not isinstance(questions, list) or not questions:
        raise CasefindingConfigError(f"{where}.questions: give at least one question.")
    parsed = []
    for n, question in enumerate(questions, start=1):
        at = f"{where}.questions[{n}]"
        if not isinstance(question, dict) or not isinstance(question.get("answers"), list) or not question["answers"]:
            raise CasefindingConfigError(f"{at}: expected ask and a list of answers.")
        answers = []
        for m, answer in enumerate(question["answers"], start=1):
            if not isinstance(answer, dict):
                raise CasefindingConfigError(f"{at}.answers[{m}]: expected answer and then.")
            answers.append(Answer(_text(answer.get("answer"), f"{at}.answers[{m}].answer"),
                                  _text(answer.get("then"), f"{at}.answers[{m}].then")))
        parsed.append(Question(_text(question.get("ask"), f"{at}.ask"), tuple(answers)))
    return Script(
        code=code,
        title=_text(spec.get("title"), f"{where}.title"),
        every_days=_whole(spec.get("every_days"), f"{where}.every_days", 1, 366),
        calls=_whole(spec.get("calls"), f"{where}.calls", 1, 24),  # care.services.schedule_check_ins' limit
        questions=tuple(parsed),
    )


def _follow_up(spec, source: str) -> DischargeFollowUpRule:
    where = f"{source}: discharge_follow_up"
    if not isinstance(spec, dict):
        raise CasefindingConfigError(f"{where}: expected lists, within_hours and source.")
    lists = spec.get("lists")
    if not isinstance(lists, list) or not all(isinstance(n, str) and n for n in lists):
        raise CasefindingConfigError(f"{where}.lists: expected a list of list names, got {lists!r}.")
    return DischargeFollowUpRule(
        lists=frozenset(lists),
        within_hours=_whole(spec.get("within_hours"), f"{where}.within_hours", 1, 24 * 14),
        source=_text(spec.get("source"), f"{where}.source"),
    )


def parse(text: str, source: str = str(CONFIG_FILE)) -> CasefindingConfig:
    document = yaml.safe_load(text) or {}
    if not isinstance(document, dict):
        raise CasefindingConfigError(f"{source}: expected a mapping of settings.")
    relationship = document.get("practice_relationship")
    if not isinstance(relationship, dict):
        raise CasefindingConfigError(f"{source}: missing practice_relationship (practice_roles and pcn_roles).")
    scripts = document.get("check_in_scripts")
    if not isinstance(scripts, dict) or not scripts:
        raise CasefindingConfigError(f"{source}: check_in_scripts must name at least one script.")
    return CasefindingConfig(
        practice_roles=_roles(relationship.get("practice_roles"), f"{source}: practice_relationship.practice_roles"),
        pcn_roles=_roles(relationship.get("pcn_roles", []), f"{source}: practice_relationship.pcn_roles"),
        page_size=_whole(document.get("page_size"), f"{source}: page_size", 10, 500),
        scripts={str(code): _script(str(code), spec, source) for code, spec in scripts.items()},
        discharge_follow_up=_follow_up(document.get("discharge_follow_up"), source),
    )


@cache
def settings() -> CasefindingConfig:
    return parse(CONFIG_FILE.read_text())
