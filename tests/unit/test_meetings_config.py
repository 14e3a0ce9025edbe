"""meetings.yaml is validated with errors that name the key and what to do."""

import pytest

from octopus.meetings.config import CONFIG_FILE, MeetingsConfigError, parse, settings

BASE = """
sources:
  ae: {kind: count, label: Frequent A&E, flag: ae_attendances_12m, at_least: 3, reason: "{n} A&E attendances in 12 months"}
worklists:
  inc: [ae]
access_days_after_meeting: 7
carry_over_warning_after: 2
"""


def test_shipped_configuration_is_valid():
    config = settings()
    assert config.worklist("inc")[0].code == "review_due"
    assert config.sources["frequent_ae"].describe(n=4) == "4 A&E attendances in 12 months"


def test_config_unknown_source_in_worklist_is_named():
    with pytest.raises(MeetingsConfigError, match=r"worklists.inc names unknown source\(s\) ambulance"):
        parse(BASE.replace("inc: [ae]", "inc: [ae, ambulance]"), "x.yaml")


def test_config_threshold_must_be_a_positive_whole_number():
    with pytest.raises(MeetingsConfigError, match=r"sources.ae.at_least: expected a whole number of at least 1, got 'three'"):
        parse(BASE.replace("at_least: 3", "at_least: three"), "x.yaml")


def test_config_unknown_kind_lists_the_kinds():
    with pytest.raises(MeetingsConfigError, match=r"sources.ae.kind: 'counts' is not a kind of source; use one of review_due"):
        parse(BASE.replace("kind: count", "kind: counts"), "x.yaml")


def test_config_missing_key_for_kind():
    with pytest.raises(MeetingsConfigError, match="a count source needs at_least"):
        parse(BASE.replace(", at_least: 3", ""), "x.yaml")


def test_config_reason_placeholders_are_checked():
    with pytest.raises(MeetingsConfigError, match=r"reason: only \{n\} and \{reason\}"):
        parse(BASE.replace("{n} A&E", "{count} A&E"), "x.yaml")


def test_config_unknown_worklist_names_the_choices():
    with pytest.raises(MeetingsConfigError, match="must use one of inc"):
        parse(BASE, "x.yaml").worklist("huddle")


def test_config_file_exists():
    assert CONFIG_FILE.name == "meetings.yaml"
