"""care.yaml is configuration as data: bad values get errors naming the key."""

import pytest

from octopus.care import config
from octopus.config import ConfigError


def test_shipped_care_config_is_valid():
    settings = config.settings()
    assert settings.check_in_every_days["proactive"] == 28
    assert settings.referral_response_days["urgent"] == 1


def test_missing_tier_frequency_names_the_key():
    text = config.CONFIG_FILE.read_text().replace("  complex: 7\n", "")
    with pytest.raises(ConfigError, match=r"care.yaml:\d+: check_in_every_days: .*missing complex"):
        config.parse(text, "care.yaml")


def test_zero_days_is_refused_with_the_key():
    text = config.CONFIG_FILE.read_text().replace("first_contact_days: 5", "first_contact_days: 0")
    with pytest.raises(ConfigError, match=r"care.yaml:\d+: first_contact_days: .*greater than or equal to 1"):
        config.parse(text, "care.yaml")


@pytest.mark.parametrize(
    ("query", "kind"),
    [
        ("943 476 5919", "nhs_number"),
        ("14/03/1948", "date_of_birth"),
        ("1948-03-14", "date_of_birth"),
        ("W2 1DX", "postcode"),
        ("w21dx", "postcode"),
        ("NW8", "postcode"),
        ("Mary Jones", "name"),
        ("O'Neil", "name"),
    ],
)
def test_residents_search_query_kinds(query, kind):
    from octopus.residents import search

    assert search.parse(query).kind == kind


def test_residents_search_empty_query_is_none():
    from octopus.residents import search

    assert search.parse("   ") is None
