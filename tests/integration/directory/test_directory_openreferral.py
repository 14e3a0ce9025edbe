"""Open Referral UK export and import: a faithful round trip, and bad files refused whole."""

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from octopus.accounts.models import User
from octopus.directory import openreferral
from octopus.directory.cli import app
from octopus.directory.models import (
    Location,
    Organisation,
    Practitioner,
    Service,
    TaxonomyTerm,
    Team,
)

pytestmark = pytest.mark.django_db

FIXTURES = Path(__file__).parents[2] / "fixtures" / "oruk"


def _services_snapshot(document: dict) -> list[dict]:
    return sorted(document["services"], key=lambda s: s["id"])


def _empty_directory():
    # Keep the reference geography (it is not directory content); remove everything ORUK carries.
    User.objects.all().delete()
    Service.objects.all().delete()
    Practitioner.objects.all().delete()
    Team.objects.all().delete()
    Organisation.objects.all().delete()
    Location.objects.all().delete()
    TaxonomyTerm.objects.all().delete()


def test_oruk_export_then_import_into_empty_directory_gives_same_services(demo_directory, tmp_path):
    exported = openreferral.export_oruk()
    assert len(exported["services"]) == Service.objects.count() == 7
    path = tmp_path / "westminster.json"
    path.write_text(json.dumps(exported))
    _empty_directory()
    report = openreferral.import_oruk(path)
    assert report.services_created == 7 and report.organisations_created == len(exported["organizations"])
    assert report.warnings == []
    assert _services_snapshot(openreferral.export_oruk()) == _services_snapshot(exported)
    debt = Service.objects.get(name="Debt advice")
    assert debt.contacts.get().name == "Fred Adeyemi"
    assert debt.locations.get().district == "W2"


def test_oruk_import_twice_updates_rather_than_duplicates(db):
    openreferral.import_oruk(FIXTURES / "valid_minimal.json")
    report = openreferral.import_oruk(FIXTURES / "valid_minimal.json")
    assert (report.services_created, report.services_updated) == (0, 1)
    assert Service.objects.count() == 1 and Practitioner.objects.count() == 1


def test_oruk_import_of_plain_oruk_file_records_defaults_as_warnings(db):
    report = openreferral.import_oruk(FIXTURES / "valid_minimal.json")
    service = Service.objects.get()
    assert service.organisation.charity_number == "1999999"
    assert service.contacts.get().job_title == "Benefits adviser"
    assert any("no octopus_heart" in w for w in report.warnings)
    assert any("'Camden Town' is not a neighbourhood" in w for w in report.warnings)


@pytest.mark.parametrize(
    "fixture, expected",
    [
        ("invalid_json.json", "not valid JSON: Expecting property name enclosed in double quotes at line 2, column 92"),
        (
            "wrong_type.json",
            "services[1] (id 6f1b2c1e-7a44-4a55-9d0e-0b7e3f0a0002): field 'minimum_age' must be a whole number of "
            "years, not 'eighteen'",
        ),
        (
            "missing_required_field.json",
            "services[1] (id 6f1b2c1e-7a44-4a55-9d0e-0b7e3f0a0003): field 'name' is required",
        ),
        (
            "unknown_organisation.json",
            "services[1] (id 6f1b2c1e-7a44-4a55-9d0e-0b7e3f0a0004): field 'organization_id' refers to organisation "
            "9e9e9e9e-0000-4000-8000-000000000099",
        ),
    ],
)
def test_oruk_import_of_malformed_file_names_record_and_field_and_imports_nothing(db, fixture, expected):
    with pytest.raises(openreferral.OrukImportError) as raised:
        openreferral.import_oruk(FIXTURES / fixture)
    assert any(p.startswith(expected) for p in raised.value.problems), raised.value.problems
    assert fixture in str(raised.value) and "nothing imported" in str(raised.value)
    # The good record before the bad one was not stored either.
    assert not Service.objects.exists() and not Organisation.objects.exists()


def test_oruk_cli_import_of_malformed_file_exits_with_the_problem(db, monkeypatch):
    monkeypatch.setattr("octopus.directory.cli._setup", lambda: None)
    result = CliRunner().invoke(app, ["import-oruk", str(FIXTURES / "missing_required_field.json")])
    assert result.exit_code == 1
    assert "field 'name' is required" in result.output


def test_oruk_cli_export_writes_file(demo_directory, monkeypatch, tmp_path):
    monkeypatch.setattr("octopus.directory.cli._setup", lambda: None)
    result = CliRunner().invoke(app, ["export-oruk", "--output", str(tmp_path / "out.json")])
    assert result.exit_code == 0, result.output
    assert len(json.loads((tmp_path / "out.json").read_text())["services"]) == 7
