"""Reads ``outreach.yaml``: visits per day and the prevention gaps a CHWW may see."""

import re
from dataclasses import dataclass, field
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
    # Programme name -> the words a CHWW sees, for the open prevention gaps shown on the doorstep.
    doorstep_prompts: dict[str, str]
    # Programme name -> the age below which its gap is not shown (it would reveal a condition).
    prompt_min_ages: dict[str, int] = field(default_factory=dict)


def parse(text: str, source: str = str(CONFIG_FILE)) -> OutreachConfig:
    document = yaml.safe_load(text) or {}
    if not isinstance(document, dict):
        raise OutreachConfigError(f"{source}: expected a mapping of settings.")
    per_day = document.get("visits_per_day")
    if not isinstance(per_day, int) or isinstance(per_day, bool) or not 1 <= per_day <= 50:
        raise OutreachConfigError(f"{source}: visits_per_day must be a whole number from 1 to 50, got {per_day!r}.")
    prompts = document.get("doorstep_prompts", {})
    if not isinstance(prompts, dict):
        raise OutreachConfigError(f"{source}: doorstep_prompts must map prevention programme names to the words a CHWW sees.")
    labels, min_ages = {}, {}
    for name, spec in prompts.items():
        if not isinstance(name, str) or not FLAG_NAME.match(name):
            raise OutreachConfigError(f"{source}: doorstep_prompts: {name!r} is not a programme name (lower case, digits, underscores).")
        label = spec.get("label") if isinstance(spec, dict) else spec
        if not isinstance(label, str) or not label.strip():
            raise OutreachConfigError(f"{source}: doorstep_prompts.{name}: give the words a CHWW sees, e.g. 'Bowel screening due'.")
        if isinstance(spec, dict):
            if set(spec) - {"label", "min_age"}:
                raise OutreachConfigError(f"{source}: doorstep_prompts.{name}: use label and min_age only.")
            if "min_age" in spec:
                if not isinstance(spec["min_age"], int) or isinstance(spec["min_age"], bool) or spec["min_age"] < 0:
                    raise OutreachConfigError(f"{source}: doorstep_prompts.{name}.min_age must be a whole number of years.")
                min_ages[name] = spec["min_age"]
        labels[name] = label.strip()
    return OutreachConfig(visits_per_day=per_day, doorstep_prompts=labels, prompt_min_ages=min_ages)

@cache
def settings() -> OutreachConfig:
    return parse(CONFIG_FILE.read_text())
