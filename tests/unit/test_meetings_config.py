"""meetings.yaml is validated with errors that name the key and what to do."""

import pytest

from octopus.config import ConfigError
from octopus.meetings.config import CONFIG_FILE, parse, settings

BASE = """
sources:
  ae: {kind: count, label: Frequent A&E, flag: ae_attendances_12m, at_least: 3,
       reason: "{n} A&E attendances in 12 months"}
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
    with pytest.raises(ConfigError, match=r"worklists.inc names unknown source\(s\) ambulance"):
        parse(BASE.replace("inc: [ae]", "inc: [ae, ambulance]"), "x.yaml")


def test_config_threshold_must_be_a_positive_whole_number():
    with pytest.raises(ConfigError, match=r"sources.ae.at_least: Input should be a valid integer.*, got 'three'"):
        parse(BASE.replace("at_least: 3", "at_least: three"), "x.yaml")


def test_config_unknown_kind_lists_the_kinds():
    with pytest.raises(ConfigError, match=r"sources.ae.kind: Input should be 'review_due', .*, got 'counts'"):
        parse(BASE.replace("kind: count", "kind: counts"), "x.yaml")


def test_config_missing_key_for_kind():
    with pytest.raises(ConfigError, match="a count source needs at_least"):
        parse(BASE.replace(", at_least: 3", ""), "x.yaml")


def test_config_reason_fields_are_checked():
    with pytest.raises(ConfigError, match=r"reason: only \{n\} and \{reason\}"):
        parse(BASE.replace("{n} A&E", "{count} A&E"), "x.yaml")


def test_config_unknown_worklist_names_the_choices():
    with pytest.raises(ConfigError, match="must use one of inc"):
        parse(BASE, "x.yaml").worklist("huddle")


def test_config_file_exists():
    assert CONFIG_FILE.name == "meetings.yaml"


def test_config_limit_is_read_per_source():
    config = parse(BASE.replace('reason: "{n}', 'limit: 10, reason: "{n}'), "x.yaml")
    assert config.sources["ae"].limit == 10
    assert config.sources["ae"].ranked_by == "highest figure first"


def test_config_source_without_a_limit_lists_everyone():
    assert parse(BASE, "x.yaml").sources["ae"].limit is None


@pytest.mark.parametrize("value", ["0", "-3", "ten", "true", "2.5", "[5]"])
def test_config_limit_must_be_a_whole_number_of_at_least_one(value):
    with pytest.raises(
        ConfigError, match=r"x.yaml:\d+: sources.ae.limit: Input should be (a valid integer|greater than or equal to 1)"
    ):
        parse(BASE.replace('reason: "{n}', f'limit: {value}, reason: "{{n}}'), "x.yaml")


def test_config_unknown_key_lists_the_keys_the_kind_takes():
    with pytest.raises(
        ConfigError,
        match=(
            r"sources.ae: unknown key\(s\) limits for a count source "
            r"\(it takes at_least, flag, label, limit, reason\)"
        ),
    ):
        parse(BASE.replace('reason: "{n}', 'limits: 10, reason: "{n}'), "x.yaml")


def test_config_flag_name_cannot_contain_a_double_underscore():
    with pytest.raises(ConfigError, match="sources.ae.flag: name a snapshot flag"):
        parse(BASE.replace("flag: ae_attendances_12m", "flag: ae__12m"), "x.yaml")


def test_shipped_limits_keep_a_weekly_inc_to_about_forty_plus_new_referrals():
    inc = settings().worklist("inc")
    assert next(s for s in inc if s.kind == "referrals_to_team").limit is None  # an INC never turns a referral away
    assert sum(s.limit for s in inc if s.limit) <= 45
