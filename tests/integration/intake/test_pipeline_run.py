"""Running the population pipeline and publishing from the intake page (issue #13): one run at a
time, progress while it runs, the model card's headline and the log at the end, audited."""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone
from threadpoolctl import threadpool_limits

from octopus.governance.models import AuditEvent
from octopus.insights.models import PublishedSnapshot
from octopus.intake import tasks
from octopus.intake.models import PipelineJob
from octopus.population.simulate import simulate_linked
from octopus.residents.models import Resident

pytestmark = pytest.mark.django_db

AS_OF = dt.date(2026, 11, 1)


@pytest.fixture(scope="module")
def tiny_linked(tmp_path_factory):
    return simulate_linked(tmp_path_factory.mktemp("pipeline-run") / "linked", people=300, as_of=AS_OF)


@pytest.fixture
def data_dir(tiny_linked, tmp_path, settings):
    import shutil

    shutil.copytree(tiny_linked, tmp_path / "data" / "linked")
    settings.DATA_DIR = tmp_path / "data"
    settings.OCTOPUS_PIPELINE_BOOTSTRAP_RESAMPLES = 5
    return settings.DATA_DIR


@pytest.fixture
def analyst(client, make_user):
    user = make_user("analyst")
    client.force_login(user)
    return user


def test_pipeline_run_from_intake_page_publishes_and_shows_the_model_card_headline(client, analyst, data_dir):
    with threadpool_limits(1):  # OpenMP threads fight on a busy two-core test machine
        page = client.post(reverse("intake:pipeline-run"), {"as_of": "2026-11-01"}, follow=True).content.decode()
    job = PipelineJob.objects.get()
    assert (job.status, job.active, job.as_of, job.requested_by) == ("finished", False, AS_OF, analyst)
    published = PublishedSnapshot.objects.get()
    assert published.run_id == job.run_id and published.as_of == AS_OF
    assert job.headline["residents_published"] == Resident.objects.count() > 0
    assert job.headline["residents_scored"] > 0 and 0.0 <= job.headline["auroc"] <= 1.0
    assert "step features took" in job.log and "published" in job.log.splitlines()[-1]
    assert f"{job.headline['auroc']:.3f}" in page and "Calibration" in page and job.run_id in page
    # Model drift (hazard H20): every run re-tests the model on a later period, shown beside the held-out figures.
    assert job.headline["later_auroc"] is not None and f"AUROC {job.headline['later_auroc']:.3f}" in page
    assert "The run&#39;s log" in page or "The run's log" in page
    assert 'hx-get="/intake/pipeline/status/"' not in page  # ended: the panel no longer polls
    summaries = list(AuditEvent.objects.filter(action="run").order_by("id").values_list("username", "summary"))
    assert summaries == [
        (analyst.username, f"Asked for a population pipeline run as of 2026-11-01 (pipeline job {job.pk})"),
        (
            analyst.username,
            f"Ran the population pipeline (snapshot {job.run_id}, as of 2026-11-01) and published it "
            f"({job.headline['residents_published']} residents; pipeline job {job.pk})",
        ),
    ]


def test_pipeline_run_while_one_is_in_progress_says_by_whom_and_since_when(client, analyst, data_dir, make_user):
    colleague = make_user("int_manager", username="colleague")
    running = PipelineJob.objects.create(
        requested_by=colleague,
        as_of=AS_OF,
        status="running",
        step="train",
        started_at=timezone.now(),
        step_started_at=timezone.now(),
        rows=2400,
        rows_label="training sample",
    )
    page = client.post(reverse("intake:pipeline-run"), {"as_of": ""}, follow=True).content.decode()
    assert list(PipelineJob.objects.all()) == [running]
    assert "A pipeline run is already in progress (running the pipeline), asked for by colleague on " in page
    assert 'action="/intake/pipeline/run/"' not in page  # no button while one is active
    panel = client.get(reverse("intake:pipeline-status"), HTTP_HX_REQUEST="true").content.decode()
    assert 'hx-get="/intake/pipeline/status/"' in panel and 'hx-trigger="every 3s"' in panel
    assert "train (for " in panel and "2,400 training sample" in panel and "Elapsed" in panel


def test_pipeline_run_that_fails_keeps_the_snapshot_in_service(client, analyst, data_dir, monkeypatch):
    PublishedSnapshot.objects.create(
        run_id="previous", as_of=dt.date(2026, 10, 1), residents=0, households=0, manifest={}
    )

    def broken(*args, **kwargs):
        raise OSError("disk full writing /data/snapshots for 943 476 5919")

    monkeypatch.setattr("octopus.publish.publish", broken)
    with threadpool_limits(1):
        page = client.post(reverse("intake:pipeline-run"), {"as_of": "2026-11-01"}, follow=True).content.decode()
    job = PipelineJob.objects.get()
    assert (job.status, job.active) == ("failed", False)
    assert job.error == "OSError: disk full writing /data/snapshots for [NHS number removed]"
    assert list(PublishedSnapshot.objects.values_list("run_id", flat=True)) == ["previous"]
    assert job.error in page and "The snapshot in service is still the last one published" in page
    assert AuditEvent.objects.filter(summary=f"Pipeline job {job.pk} failed (OSError)").exists()


def test_pipeline_run_without_a_linked_extract_is_refused_with_what_to_do(client, analyst, settings, tmp_path):
    settings.DATA_DIR = tmp_path
    page = client.post(reverse("intake:pipeline-run"), {"as_of": ""}, follow=True).content.decode()
    assert not PipelineJob.objects.exists()
    assert "There is no linked extract yet: link persons first" in page


def test_pipeline_run_with_malformed_date_names_the_format(client, analyst, data_dir):
    page = client.post(reverse("intake:pipeline-run"), {"as_of": "1/11/2026"}, follow=True).content.decode()
    assert not PipelineJob.objects.exists()
    assert "Enter the as-of date as YYYY-MM-DD" in page


def _logged_to(job, *lines):
    """Each ``(format, *args)`` logged by the pipeline's logger while the job's handler listens."""
    import logging

    handler = tasks._ProgressToJob(job.pk)
    log = logging.getLogger("octopus.population.pipeline")
    log.addHandler(handler)
    log.setLevel(logging.INFO)
    try:
        for line in lines:
            log.info(*line)
    finally:
        log.removeHandler(handler)
    job.refresh_from_db()
    return [line.split(" ", 1)[1] for line in job.log_lines]


def test_progress_handler_moves_to_the_next_step_and_counts_rows(analyst):
    job = PipelineJob.objects.create(requested_by=analyst, as_of=AS_OF, status="running", step="connect")
    logged = _logged_to(
        job,
        ("step %s took %.2fs (%.2fs CPU)", "training features", 1.5, 1.2),
        ("%s: %d rows", "training sample", 300),
    )
    assert (job.step, job.rows, job.rows_label) == ("later-period features", 300, "training sample")
    assert logged == ["step training features took 1.50s (1.20s CPU)", "training sample: 300 rows"]


def test_progress_handler_logs_the_model_steps_without_moving_the_engines_step(analyst):
    """Training and evaluation run beside the engine's steps (decision 0071): their lines reach the
    job's log while the step shown stays the engine's."""
    job = PipelineJob.objects.create(requested_by=analyst, as_of=AS_OF, status="running", step="features")
    logged = _logged_to(job, ("step %s took %.2fs (%.2fs CPU)", "train", 6.5, 6.4))
    assert job.step == "features"
    assert logged == ["step train took 6.50s (6.40s CPU)"]


def test_pipeline_run_that_flags_nobody_as_rising_risk_warns_on_the_intake_page(client, analyst, data_dir):
    """An empty rising-risk list must not go unnoticed (hazard H21)."""
    headline = {
        "chosen_model": "logistic",
        "auroc": 0.81,
        "auroc_95ci": [0.78, 0.84],
        "held_out_residents": 900,
        "held_out_events": 90,
        "calibration_slope": 1.02,
        "calibration_in_the_large": 0.01,
        "residents_scored": 3000,
        "rising_risk": 0,
        "residents_published": 3000,
        "later_auroc": 0.79,
        "later_calibration_slope": 0.95,
    }
    PipelineJob.objects.create(
        requested_by=analyst,
        as_of=AS_OF,
        status="finished",
        active=False,
        run_id="run-1",
        started_at=timezone.now(),
        finished_at=timezone.now(),
        headline=headline,
    )
    panel = client.get(reverse("intake:pipeline-status")).content.decode()
    assert "Nobody was flagged as rising risk" in panel and "looks the same as a quiet week" in panel
    assert "AUROC 0.790, calibration slope 0.95" in panel  # the drift check beside the held-out 0.810
    PipelineJob.objects.update(headline={**headline, "rising_risk": 12})
    assert "Nobody was flagged" not in client.get(reverse("intake:pipeline-status")).content.decode()
