"""An INT's own configuration folder changes what Octopus does, end to end (decisions 0065, 0066):
a band threshold and a cohort through the engine, publish, case-finding lists, meeting worklists
and the model card; a check-in frequency through the care services. No code changes."""

import datetime as dt
import json
import os

import pandas as pd
import pytest
from django.urls import reverse
from threadpoolctl import threadpool_limits

from octopus.care import services as care_services
from octopus.casefinding import lists
from octopus.config.folder import forget
from octopus.directory.models import Organisation, Team
from octopus.meetings import config as meetings_config
from octopus.meetings.services.worklist import _snapshot_condition
from octopus.population.pipeline import PipelineConfig, run_pipeline
from octopus.population.simulate import simulate_linked
from octopus.publish import publish
from octopus.residents.factories import make_resident
from octopus.residents.models import Resident

AS_OF = dt.date(2026, 11, 1)
FAST = PipelineConfig(bootstrap_resamples=5, show_progress=False)
BANDS = """bands:
  - {band: 1, name: "Very high", top_percent: 10}
  - {band: 2, name: "High", top_percent: 12}
  - {band: 3, name: "Moderate-high", top_percent: 15}
  - {band: 4, name: "Moderate", top_percent: 20}
  - {band: 5, name: "Low-moderate", top_percent: 50}
  - {band: 6, name: "Low", top_percent: 100}
"""
COHORTS = """cohorts:
  aged_75_and_over:
    title: Aged 75 and over (this INT's own)
    description: Every resident aged 75 or over, for a proactive frailty review.
    where: {field: age, ">=": 75}
"""
MEETINGS = """sources:
  older:
    kind: cohort
    label: Aged 75 and over
    cohort: aged_75_and_over
    reason: In the INT's 75-and-over cohort
worklists:
  inc: [older]
access_days_after_meeting: 7
carry_over_warning_after: 3
"""


@pytest.fixture(scope="module")
def place(tmp_path_factory):
    """A configuration folder with the place's own bands, cohorts and meeting worklist, and one
    pipeline run with it (module-wide: the run is the slow part)."""
    root = tmp_path_factory.mktemp("place")
    folder = root / "config"
    folder.mkdir()
    (folder / "bands.yaml").write_text(BANDS)
    (folder / "cohorts.yaml").write_text(COHORTS)
    (folder / "meetings.yaml").write_text(MEETINGS)
    before = os.environ.get("OCTOPUS_CONFIG_DIR")
    os.environ["OCTOPUS_CONFIG_DIR"] = str(folder)
    try:
        linked = simulate_linked(root / "linked", people=400, as_of=AS_OF)
        with threadpool_limits(1):  # OpenMP threads fight on a busy two-core test machine
            info = run_pipeline(linked, root / "snapshots", as_of=AS_OF, config=FAST)
        yield {"root": root, "folder": folder, "linked": linked, "snapshot": info.path}
    finally:
        if before is None:
            os.environ.pop("OCTOPUS_CONFIG_DIR", None)
        else:
            os.environ["OCTOPUS_CONFIG_DIR"] = before


def test_a_band_threshold_in_the_folder_changes_the_engines_bands(place):
    residents = pd.read_parquet(place["snapshot"] / "residents.parquet", columns=["risk_band", "risk_probability"])
    scored = residents.dropna(subset=["risk_probability"])
    # The place's band 1 is the top 10% (the shipped default is the top 0.5%: 2 of 400).
    assert 0.09 * len(scored) <= (scored["risk_band"] == 1).sum() <= 0.11 * len(scored)


def test_a_cohort_in_the_folder_is_found_by_the_engine(place):
    summary = json.loads((place["snapshot"] / "cohorts.json").read_text())
    assert [c["name"] for c in summary] == ["aged_75_and_over"]
    residents = pd.read_parquet(place["snapshot"] / "residents.parquet", columns=["person_id", "age"])
    members = pd.read_parquet(place["snapshot"] / "cohorts.parquet")
    assert set(members["person_id"]) == set(residents.loc[residents["age"] >= 75, "person_id"])
    assert summary[0]["size"] == len(members) > 0


def test_the_snapshot_records_the_configuration_it_was_built_with(place):
    recorded = json.loads((place["snapshot"] / "manifest.json").read_text())["config"]
    assert recorded["folder"] == str(place["folder"])
    assert {n for n, f in recorded["files"].items() if f["override"]} == {"bands.yaml", "cohorts.yaml", "meetings.yaml"}
    assert (place["snapshot"] / "config" / "bands.yaml").read_text() == BANDS
    assert recorded["changes_since_previous"] is None  # the first run: nothing to compare with


@pytest.mark.django_db
def test_the_folders_cohort_reaches_case_finding_worklists_and_the_model_card(place, make_user, client):
    publish(place["linked"] / "persons.parquet", place["snapshot"])
    title = "Aged 75 and over (this INT's own)"
    members = set(pd.read_parquet(place["snapshot"] / "cohorts.parquet")["person_id"])
    assert (
        set(
            Resident.objects.filter(lists.members_q(lists.get_list("aged_75_and_over"))).values_list(
                "person_id", flat=True
            )
        )
        == members
    )
    assert lists.get_list("aged_75_and_over").cohort_title == title
    source = meetings_config.settings().worklist("inc")[0]
    assert source.cohort_title == title and source.ranked_by == "highest risk of emergency admission first"
    assert set(Resident.objects.filter(_snapshot_condition(source)).values_list("person_id", flat=True)) == members
    client.force_login(make_user("analyst", username="analyst"))
    page = client.get(reverse("insights:model_card")).content.decode()
    assert "Configuration this snapshot was built with" in page
    assert "bands.yaml, cohorts.yaml, meetings.yaml" in page and str(place["folder"]) in page


def test_a_changed_folder_is_recorded_with_its_diff_on_the_next_run(place):
    (place["folder"] / "bands.yaml").write_text(BANDS.replace("top_percent: 10}", "top_percent: 8}"))
    forget()
    try:
        with threadpool_limits(1):
            info = run_pipeline(place["linked"], place["root"] / "snapshots", as_of=AS_OF, config=FAST)
    finally:
        (place["folder"] / "bands.yaml").write_text(BANDS)
    changes = json.loads((info.path / "manifest.json").read_text())["config"]["changes_since_previous"]
    assert [c["file"] for c in changes] == ["bands.yaml"]
    assert '-  - {band: 1, name: "Very high", top_percent: 10}' in changes[0]["diff"]
    assert '+  - {band: 1, name: "Very high", top_percent: 8}' in changes[0]["diff"]


@pytest.mark.django_db
def test_a_check_in_frequency_in_the_folder_changes_the_schedule(tmp_path, monkeypatch, make_user):
    monkeypatch.setenv("OCTOPUS_CONFIG_DIR", str(tmp_path))
    shipped = (meetings_config.CONFIG_FILE.parent.parent / "care" / "care.yaml").read_text()
    (tmp_path / "care.yaml").write_text(shipped.replace("  proactive: 28", "  proactive: 14"))
    nhs = Organisation.objects.create(name="CLCH", heart="health")
    nurse = make_user(
        "clinician", team=Team.objects.create(organisation=nhs, name="District Nursing", tier="consistent")
    )
    resident = make_resident()
    care_services.set_tier(resident, "proactive", "Rising risk", nurse)
    calls = care_services.schedule_check_ins(
        resident, organisation=nhs, first_due=dt.date(2026, 12, 1), count=3, actor=nurse
    )
    assert [c.due_on for c in calls] == [dt.date(2026, 12, 1), dt.date(2026, 12, 15), dt.date(2026, 12, 29)]
