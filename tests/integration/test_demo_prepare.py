"""`octopus demo` end to end on a tiny population: every step runs once, then is skipped."""

import pytest
from threadpoolctl import threadpool_limits

from octopus import demo
from octopus.accounts.models import User
from octopus.insights.models import PublishedSnapshot
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
    assert {p.name for p in (tmp_path / "demo").iterdir()} >= {"generate.json", "load.json", "link.json", "pipeline.json", "publish.json"}
    printed = capsys.readouterr().out
    assert "password for all: octopus-demo" in printed and "snapshots" in printed

    again = demo.prepare(echo=print, residents=2000)
    assert again["run_id"] == first["run_id"]
    assert all(again["timings"][step] == 0.0 for step in ("generate", "load", "link", "pipeline", "publish"))
