import pytest

from octopus.accounts.roles import catalogue, parse_roles
from octopus.config import ConfigError


def test_shipped_roles_cover_the_int_workforce():
    codes = set(catalogue().roles)
    assert {
        "clinician",
        "care_coordinator",
        "social_worker",
        "social_prescriber",
        "chww",
        "vcse_worker",
        "analyst",
        "int_manager",
        "ig_lead",
        "system_admin",
    } <= codes


def test_admin_cannot_see_residents_and_analyst_sees_no_identifiable_data():
    roles = catalogue().roles
    assert "view_residents" not in roles["system_admin"].capabilities
    assert "view_residents" not in roles["analyst"].capabilities


def test_unknown_capability_names_the_role():
    text = "capabilities: {a: A}\nroles:\n  nurse: {label: Nurse, capabilities: [a, b]}\n"
    with pytest.raises(ConfigError, match=r"roles\.nurse\.capabilities: unknown capability b"):
        parse_roles(text, "roles.yaml")


def test_role_without_label_is_refused():
    with pytest.raises(ConfigError, match="roles.nurse"):
        parse_roles("capabilities: {a: A}\nroles:\n  nurse: {capabilities: [a]}\n", "roles.yaml")
