"""Reads ``care.yaml``: the check-in frequencies, monitoring period and due times an INT sets."""

from dataclasses import dataclass
from functools import cache
from pathlib import Path

import yaml

CONFIG_FILE = Path(__file__).with_name("care.yaml")
TIERS = ("universal", "proactive", "complex")
URGENCIES = ("urgent", "soon", "routine")


class CareConfigError(ValueError):
    """care.yaml is malformed; the message names the file and key."""


@dataclass(frozen=True)
class CareConfig:
    check_in_every_days: dict[str, int]
    monitor_after_step_down_days: int
    referral_response_days: dict[str, int]
    first_contact_days: int
    referral_recently_closed_days: int
    case_recently_closed_days: int
    several_organisations_per_week: int
    first_review_days: int


def _positive_int(value, where: str) -> int:
    if not isinstance(value, int) or isinstance(value, bool) or value < 1:
        raise CareConfigError(f"{where}: expected a whole number of days of at least 1, got {value!r}.")
    return value


def _per_key(document: dict, key: str, expected: tuple[str, ...], source: str) -> dict[str, int]:
    mapping = document.get(key)
    if not isinstance(mapping, dict) or set(mapping) != set(expected):
        raise CareConfigError(f"{source}: {key} must give a number of days for each of {', '.join(expected)}.")
    return {name: _positive_int(mapping[name], f"{source}: {key}.{name}") for name in expected}


def parse(text: str, source: str = str(CONFIG_FILE)) -> CareConfig:
    document = yaml.safe_load(text) or {}
    if not isinstance(document, dict):
        raise CareConfigError(f"{source}: expected a mapping of settings.")
    simple = {}
    for key in ("monitor_after_step_down_days", "first_contact_days", "referral_recently_closed_days",
                "case_recently_closed_days", "several_organisations_per_week", "first_review_days"):
        if key not in document:
            raise CareConfigError(f"{source}: missing {key}.")
        simple[key] = _positive_int(document[key], f"{source}: {key}")
    return CareConfig(
        check_in_every_days=_per_key(document, "check_in_every_days", TIERS, source),
        referral_response_days=_per_key(document, "referral_response_days", URGENCIES, source),
        **simple,
    )


@cache
def settings() -> CareConfig:
    return parse(CONFIG_FILE.read_text())
