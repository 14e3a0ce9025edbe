"""Reads ``virtualward.yaml``: response times, the missed-observation grace, the trend rule and the
escalation chain an INT sets."""

from dataclasses import dataclass
from functools import cache
from pathlib import Path

import yaml

CONFIG_FILE = Path(__file__).with_name("virtualward.yaml")
RESPONSE_KEYS = ("low-medium", "medium", "high", "trend", "missed")


class VirtualWardConfigError(ValueError):
    """virtualward.yaml is malformed; the message names the file and key."""


@dataclass(frozen=True)
class Step:
    after_minutes: int
    to_role: str
    label: str


@dataclass(frozen=True)
class WardConfig:
    response_minutes: dict[str, int]
    missed_grace_minutes: int
    trend_rise_points: int
    escalation_chain: tuple[Step, ...]


def _whole(value, where: str, minimum: int = 1) -> int:
    if not isinstance(value, int) or isinstance(value, bool) or value < minimum:
        raise VirtualWardConfigError(f"{where}: expected a whole number of at least {minimum}, got {value!r}.")
    return value


def parse(text: str, source: str = str(CONFIG_FILE)) -> WardConfig:
    from octopus.accounts.roles import catalogue

    document = yaml.safe_load(text) or {}
    if not isinstance(document, dict):
        raise VirtualWardConfigError(f"{source}: expected a mapping of settings.")
    response = document.get("response_minutes")
    if not isinstance(response, dict) or set(response) != set(RESPONSE_KEYS):
        raise VirtualWardConfigError(f"{source}: response_minutes must give minutes for each of {', '.join(RESPONSE_KEYS)}.")
    for key in ("missed_grace_minutes", "trend_rise_points", "escalation_chain"):
        if key not in document:
            raise VirtualWardConfigError(f"{source}: missing {key}.")
    chain = document["escalation_chain"]
    if not isinstance(chain, list) or not chain:
        raise VirtualWardConfigError(f"{source}: escalation_chain must list at least one step.")
    steps = []
    for number, step in enumerate(chain, start=1):
        where = f"{source}: escalation_chain step {number}"
        if not isinstance(step, dict) or set(step) != {"after_minutes", "to_role", "label"}:
            raise VirtualWardConfigError(f"{where}: give after_minutes, to_role and label.")
        if step["to_role"] not in catalogue().roles:
            raise VirtualWardConfigError(f"{where}: to_role {step['to_role']!r} is not a role in accounts/roles.yaml.")
        steps.append(Step(_whole(step["after_minutes"], f"{where}.after_minutes", 0), step["to_role"], str(step["label"])))
    return WardConfig(
        response_minutes={key: _whole(response[key], f"{source}: response_minutes.{key}") for key in RESPONSE_KEYS},
        missed_grace_minutes=_whole(document["missed_grace_minutes"], f"{source}: missed_grace_minutes", 0),
        trend_rise_points=_whole(document["trend_rise_points"], f"{source}: trend_rise_points"),
        escalation_chain=tuple(steps),
    )


@cache
def settings() -> WardConfig:
    return parse(CONFIG_FILE.read_text(encoding="utf-8"))
