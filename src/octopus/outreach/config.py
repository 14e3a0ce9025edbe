"""Reads ``outreach.yaml``: visits per day and the snapshot flags a CHWW may see."""

import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import yaml

CONFIG_FILE = Path(__file__).with_name("outreach.yaml")
FLAG_NAME = re.compile(r"^[a-z][a-z0-9_]*$")


class OutreachConfigError(ValueError):
    """outreach.yaml is malformed; the message names the file and key."""


@dataclass(frozen=True)
class OutreachConfig:
    visits_per_day: int
    due_flags: dict[str, str]


def parse(text: str, source: str = str(CONFIG_FILE)) -> OutreachConfig:
    document = yaml.safe_load(text) or {}
    if not isinstance(document, dict):
        raise OutreachConfigError(f"{source}: expected a mapping of settings.")
    per_day = document.get("visits_per_day")
    if not isinstance(per_day, int) or isinstance(per_day, bool) or not 1 <= per_day <= 50:
        raise OutreachConfigError(f"{source}: visits_per_day must be a whole number from 1 to 50, got {per_day!r}.")
    flags = document.get("due_flags", {})
    if not isinstance(flags, dict):
        raise OutreachConfigError(f"{source}: due_flags must map snapshot flag names to the words a CHWW sees.")
    for name, label in flags.items():
        if not isinstance(name, str) or not FLAG_NAME.match(name):
            raise OutreachConfigError(f"{source}: due_flags: {name!r} is not a snapshot flag name (lower case, digits, underscores).")
        if not isinstance(label, str) or not label.strip():
            raise OutreachConfigError(f"{source}: due_flags.{name}: give the words a CHWW sees, e.g. 'Bowel screening due'.")
    return OutreachConfig(visits_per_day=per_day, due_flags={name: label.strip() for name, label in flags.items()})


@cache
def settings() -> OutreachConfig:
    return parse(CONFIG_FILE.read_text())
