"""The configuration folder (OCTOPUS_CONFIG_DIR): one loader, `octopus config check` naming every
fault with its file, line and field, `config show`, and the generated reference (decision 0065)."""

import pytest
from typer.testing import CliRunner

from octopus.config import ConfigError, load, path_for, reference
from octopus.config.cli import app
from octopus.config.folder import forget
from octopus.config.positions import load_yaml

runner = CliRunner()


@pytest.fixture
def folder(tmp_path, monkeypatch):
    monkeypatch.setenv("OCTOPUS_CONFIG_DIR", str(tmp_path))
    return tmp_path


def test_without_a_folder_the_shipped_westminster_defaults_are_in_effect(monkeypatch):
    monkeypatch.delenv("OCTOPUS_CONFIG_DIR", raising=False)
    assert path_for("care.yaml").parts[-2:] == ("care", "care.yaml")
    assert load("care.yaml").check_in_every_days["proactive"] == 28


def test_a_file_in_the_folder_replaces_the_default_of_the_same_name(folder):
    (folder / "outreach.yaml").write_text("visits_per_day: 12\n")
    assert path_for("outreach.yaml") == folder / "outreach.yaml"
    assert load("outreach.yaml").visits_per_day == 12
    assert load("outreach.yaml").doorstep_prompts == {}  # replaced whole, not merged
    assert load("care.yaml").check_in_every_days["proactive"] == 28  # the others stay the defaults


def test_an_edited_file_is_read_again(folder):
    (folder / "outreach.yaml").write_text("visits_per_day: 12\n")
    assert load("outreach.yaml").visits_per_day == 12
    (folder / "outreach.yaml").write_text("visits_per_day: 7\n# changed\n")
    forget()  # otherwise within a second (the loader looks at a file at most once a second)
    assert load("outreach.yaml").visits_per_day == 7


def test_the_loader_keeps_the_line_of_every_key_and_list_item():
    _, lines = load_yaml("a:\n  b: 1\n  c:\n    - x\n    - y\n", "f.yaml")
    assert lines[("a",)] == 1 and lines[("a", "b")] == 2 and lines[("a", "c", 1)] == 5


def test_invalid_yaml_names_its_line(folder):
    (folder / "care.yaml").write_text("check_in_every_days:\n  universal: [56\n")
    with pytest.raises(ConfigError) as error:
        load("care.yaml")
    assert error.value.file == str(folder / "care.yaml") and error.value.line == 3
    assert "not valid YAML" in str(error.value)


BROKEN_CARE = """check_in_every_days:
  universal: 56
  proactive: 0
  complex: 7
monitor_after_step_down_days: 90
referral_response_days: {urgent: 1, soon: 3, routine: 7}
first_contact_days: five
referral_recently_closed_days: 30
case_recently_closed_days: 30
several_organisations_per_week: 2
first_review_day: 28
"""
BROKEN_MEETINGS = """sources:
  inpatient: {kind: flag, label: In hospital, flag: current_inpatient, reason: In hospital now}
  frail: {kind: cohort, label: Frail, cohort: no_such_cohort}
worklists:
  inc: [inpatient, ambulance]
access_days_after_meeting: 7
carry_over_warning_after: 3
"""


def test_config_check_on_a_broken_folder_names_each_fault(folder):
    (folder / "care.yaml").write_text(BROKEN_CARE)
    (folder / "meetings.yaml").write_text(BROKEN_MEETINGS)
    (folder / "bands.yaml").write_text(
        "bands:\n  - {band: 1, name: Top, top_percent: 5}\n  - {band: 2, name: Rest, top_percent: 50}\n"
    )
    (folder / "linkage.yaml").write_text("threads: many\nmemory_limit: lots\n")
    (folder / "cohort.yaml").write_text("cohorts: {}\n")
    (folder / "roles.yaml").write_text("capabilities: {a: A}\nroles:\n  nurse: {label: Nurse, capabilities: [a]\n")
    result = runner.invoke(app, ["check"])
    assert result.exit_code == 1
    out = result.stderr
    care, meetings = folder / "care.yaml", folder / "meetings.yaml"
    for expected in (
        f"{care}:3: check_in_every_days.proactive: Input should be greater than or equal to 1, got 0",
        f"{care}:7: first_contact_days: Input should be a valid integer",
        f"{care}:1: first_review_days: missing",
        f"{care}:11: first_review_day: unknown key",
        f"{meetings}:3: sources.frail.cohort: 'no_such_cohort' is not a cohort in cohorts.yaml",
        f"{folder / 'bands.yaml'}:1: bands: the last band must have top_percent: 100",
        f"{folder / 'linkage.yaml'}:1: threads: ",
        f"{folder / 'linkage.yaml'}:2: memory_limit: ",
        f"{folder / 'cohort.yaml'}: Octopus reads no file of this name",
        f"{folder / 'roles.yaml'}:4: not valid YAML",
    ):
        assert expected in out, expected
    assert "10 problem(s)" in out


def test_a_worklist_naming_an_unknown_source_is_named(folder):
    (folder / "meetings.yaml").write_text(BROKEN_MEETINGS.replace("no_such_cohort", "welc_target"))
    result = runner.invoke(app, ["check"])
    assert f"{folder / 'meetings.yaml'}:4: worklists: worklists.inc names unknown source(s) ambulance" in result.stderr
    assert result.exit_code == 1


def test_config_check_on_the_shipped_defaults_passes(monkeypatch):
    monkeypatch.delenv("OCTOPUS_CONFIG_DIR", raising=False)
    result = runner.invoke(app, ["check"])
    assert result.exit_code == 0, result.output
    assert "Configuration is valid (shipped defaults only; overrides: none" in result.stdout


def test_config_show_prints_the_effective_file_and_where_it_comes_from(folder):
    (folder / "linkage.yaml").write_text("threads: 2\nmemory_limit: 4GB\n")
    result = runner.invoke(app, ["show", "linkage"])
    assert result.exit_code == 0
    assert (
        result.stdout == f"# linkage.yaml: {folder / 'linkage.yaml'} (the place's own)\nthreads: 2\nmemory_limit: 4GB\n"
    )
    cohorts = runner.invoke(app, ["show", "cohorts.yaml"]).stdout
    assert "welc_target:" in cohorts and "- field: risk_band" in cohorts and "(shipped default)" in cohorts


def test_config_show_codelists_gives_each_lists_source_and_version(monkeypatch):
    monkeypatch.delenv("OCTOPUS_CONFIG_DIR", raising=False)
    out = runner.invoke(app, ["show", "codelists"]).stdout
    assert "  pcd_afib_cod:\n    file: pcd_afib_cod.csv\n    coding: snomedct\n" in out
    assert "version: afib_cod/20200812" in out


def test_the_committed_configuration_reference_is_current():
    assert reference.DOC.read_text(encoding="utf-8") == reference.render(), (
        "docs/reference/configuration.md is out of date: run `octopus config reference --write`."
    )


def test_feeds_and_features_read_a_code_list_through_the_one_registry(folder):
    from octopus.population.codelists import codes
    from octopus.population.feeds.codes import load_codelist

    shipped = codes("pcd_hf_cod.csv")
    assert load_codelist("pcd_hf_cod") == shipped  # the feed validator, by the registry's name
    (folder / "codelists").mkdir()
    (folder / "codelists" / "pcd_hf_cod.csv").write_text("code,term\n84114007,Heart failure\n")
    assert codes("pcd_hf_cod.csv") == load_codelist("pcd_hf_cod") == {"84114007"}  # the place's refreshed copy
    with pytest.raises(FileNotFoundError, match="not in the code-list registry"):
        load_codelist("no_such_list")
