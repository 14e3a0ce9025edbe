"""`octopus demo` end to end on a tiny population: every step runs once, then is skipped."""

import datetime as dt
import json

import pytest
from threadpoolctl import threadpool_limits

from octopus import demo
from octopus.accounts.models import User
from octopus.governance.models import Consent, ConsentKind, ConsentStatus, LawfulBasis
from octopus.insights.models import PublishedSnapshot
from octopus.population.snapshot import SnapshotStore
from octopus.residents.models import ActivityEvent, Resident

# Generating, loading a few hundred feed files, linking and training take minutes on a busy machine.
pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.slow]


def test_prepare_builds_the_demo_then_skips_done_steps(settings, tmp_path, capsys):
    settings.DATA_DIR = tmp_path
    with threadpool_limits(1):
        first = demo.prepare(echo=print, residents=2000)
    assert PublishedSnapshot.objects.filter(run_id=first["run_id"]).exists()
    assert Resident.objects.count() >= 1800 and Resident.objects.exclude(risk_band="").exists()
    assert ActivityEvent.objects.exists()
    assert User.objects.filter(username="coordinator").exists()
    assert {p.name for p in (tmp_path / "demo").iterdir()} >= {
        "generate.json",
        "load.json",
        "link.json",
        "pipeline.json",
        "publish.json",
    }
    printed = capsys.readouterr().out
    assert "password for all: octopus-demo" in printed and "snapshots" in printed

    runs = SnapshotStore(tmp_path / "snapshots").list()
    assert len(runs) == 2
    assert (dt.date.fromisoformat(runs[1]["as_of"]) - dt.date.fromisoformat(runs[0]["as_of"])).days == 30
    rising = Resident.objects.filter(rising_risk=True)
    assert rising.exists() and not rising.filter(rising_risk_reason="").exists()
    load = json.loads((tmp_path / "demo" / "load.json").read_text())
    assert any("semicolons" in refusal for refusal in load["refused"])
    assert any("missing column(s)" in refusal for refusal in load["refused"])
    assert " 0 quarantined" not in load["summary"]
    consent = Consent.objects.filter(kind=ConsentKind.DISCUSS_AT_MDT)
    explicit = consent.filter(status=ConsentStatus.GIVEN, basis=LawfulBasis.CONSENT).count()
    assert explicit > consent.filter(basis=LawfulBasis.BEST_INTERESTS).count()
    assert explicit > consent.filter(status=ConsentStatus.REFUSED).count()

    asked = consent.count()
    # The virtual ward came through the FHIR import: the synthetic devices' readings, scored here.
    from octopus.virtualward.models import Admission, Observation

    assert Admission.objects.filter(
        team__name="Community Matrons – North Westminster", admitted_by__username="matron"
    ).exists()
    assert Observation.objects.filter(source="fhir").count() >= Admission.objects.count()

    again = demo.prepare(echo=print, residents=2000)
    assert again["run_id"] == first["run_id"]
    assert all(
        again["timings"][step] == 0.0
        for step in ("generate", "load", "link", "pipeline_previous", "pipeline", "publish", "ward")
    )
    assert consent.count() == asked  # nobody is asked twice
