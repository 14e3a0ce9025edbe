"""The linkage progress the intake page shows, from what the task wrote on the job."""

from datetime import UTC, datetime, timedelta
from types import SimpleNamespace

from octopus.intake.presenters import linkage_progress

NOW = datetime(2026, 12, 4, 3, 0, tzinfo=UTC)


def _job(**fields):
    defaults = dict(
        stage="comparing",
        stage_started_at=NOW - timedelta(seconds=20),
        stage_done=1_000_000,
        stage_total=4_000_000,
        stage_unit="pairs",
        pairs_blocked=4_000_000,
        pairs_compared=1_000_000,
        pairs_clustered=0,
    )
    return SimpleNamespace(**{**defaults, **fields})


def test_progress_gives_position_rate_and_time_left():
    progress = linkage_progress(_job(), now=NOW)
    assert progress.position == "1,000,000 of 4,000,000 pairs"
    assert progress.rate == "50,000 pairs a second"
    assert progress.time_left == "about 1 min 0 s left"
    assert progress.pairs == "pairs blocked 4,000,000, compared 1,000,000, clustered 0"


def test_progress_without_a_total_has_no_time_left():
    progress = linkage_progress(
        _job(stage="gathering source persons", stage_done=0, stage_total=None, stage_unit="rows"), now=NOW
    )
    assert (progress.position, progress.rate, progress.time_left) == ("", "", "")


def test_no_progress_before_the_task_reports_a_stage():
    assert linkage_progress(_job(stage=""), now=NOW) is None
    assert linkage_progress(None) is None
