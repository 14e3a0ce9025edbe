"""virtualward.yaml: the shipped file parses, and a malformed one is refused naming the key."""

import pytest

from octopus.config import ConfigError
from octopus.virtualward import config


def test_the_shipped_configuration_parses():
    settings = config.parse(config.CONFIG_FILE.read_text(encoding="utf-8"))
    assert (
        settings.response_minutes["high"]
        < settings.response_minutes["medium"]
        <= settings.response_minutes["low-medium"]
    )
    assert [step.to_role for step in settings.escalation_chain] == ["care_coordinator", "clinician"]


@pytest.mark.parametrize(
    "change, words",
    [
        (
            lambda text: text.replace("  high: 15\n", ""),
            r"virtualward.yaml:\d+: response_minutes: give minutes for each of",
        ),
        (
            lambda text: text.replace("to_role: care_coordinator", "to_role: matron"),
            r"escalation_chain\[1\].to_role: 'matron' is not a role",
        ),
        (lambda text: text.replace("missed_grace_minutes: 60", "missed_grace_minutes: -5"), "missed_grace_minutes"),
        (lambda text: text.replace("trend_rise_points: 2", "trend_rise_points: two"), "trend_rise_points"),
    ],
)
def test_a_malformed_configuration_names_the_key(change, words):
    with pytest.raises(ConfigError, match=words):
        config.parse(change(config.CONFIG_FILE.read_text(encoding="utf-8")), source="virtualward.yaml")
