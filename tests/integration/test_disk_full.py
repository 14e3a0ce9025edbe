"""A full disk during a feed load or a snapshot write (issue #16, docs/reliability.md).

The command runs in a child process whose file-size limit (RLIMIT_FSIZE, as ``ulimit -f``) is
below what it must write, with SIGXFSZ ignored so the write call fails with EFBIG instead of the
process being killed: the same failure at the same write call as ENOSPC, without needing root to
mount a small file system (``benchmarks/fault_full_disk.py`` does that, for ENOSPC proper). Each
must exit 1 with one line naming the cause and the file, store nothing of what failed, and leave
what was there before intact; a rerun with room completes exactly once.
"""

import datetime as dt
import errno
import os
import resource
import signal
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

from octopus.population.diskfull import disk_full
from octopus.population.pipeline import PipelineConfig, run_pipeline
from octopus.population.simulate import simulate_linked
from octopus.population.snapshot import SnapshotStore
from tests.fixtures.feeds_factory import write_feed_files

SRC = Path(__file__).parents[2] / "src"
AS_OF = "2025-03-31"


def _octopus(args: list[str], *, limit_bytes: int | None = None) -> subprocess.CompletedProcess:
    def limited() -> None:
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # inherited through exec: writes fail with EFBIG
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit_bytes, limit_bytes))

    env = dict(os.environ, PYTHONPATH=str(SRC), COLUMNS="300", PYTHONDONTWRITEBYTECODE="1")
    return subprocess.run(
        [sys.executable, "-m", "octopus.cli", *args],
        capture_output=True,
        text=True,
        env=env,
        preexec_fn=limited if limit_bytes else None,
        timeout=600,
    )


def test_feed_load_on_a_full_disk_stops_naming_the_cause_keeps_earlier_data_and_reruns_once(tmp_path):
    files = write_feed_files(tmp_path / "in", n_people=2000)
    small = min(files, key=lambda p: p.stat().st_size)
    big = max(files, key=lambda p: p.stat().st_size)
    data = tmp_path / "var"
    assert _octopus(["feeds", "load", "--data-dir", str(data), str(small)]).returncode == 0

    failed = _octopus(["feeds", "load", "--data-dir", str(data), str(big)], limit_bytes=32 * 1024)
    said = " ".join(failed.stderr.split())
    assert failed.returncode == 1, failed.stderr
    assert "Stopped: a file-size limit was reached (File too large) writing " in said
    assert f"{data}/feeds/store.duckdb" in said  # the store (or its WAL) the write was for
    assert "Traceback" not in failed.stderr + failed.stdout

    feed = big.name.split("__")[0]
    with duckdb.connect(str(data / "feeds" / "store.duckdb"), read_only=True) as con:
        assert con.execute("SELECT file_name FROM deliveries").fetchall() == [(small.name,)]
        assert con.execute(f"SELECT count(*) FROM feed_{feed}").fetchone() == (0,)
        kept = con.execute(f"SELECT count(*) FROM feed_{small.name.split('__')[0]}").fetchone()[0]
    assert kept > 0

    assert _octopus(["feeds", "load", "--data-dir", str(data), str(big)]).returncode == 0
    assert _octopus(["feeds", "load", "--data-dir", str(data), str(big)]).returncode == 0  # same file again
    with duckdb.connect(str(data / "feeds" / "store.duckdb"), read_only=True) as con:
        assert con.execute("SELECT count(*) FROM deliveries WHERE file_name = ?", [big.name]).fetchone() == (1,)
        assert con.execute(f"SELECT count(*) FROM feed_{small.name.split('__')[0]}").fetchone() == (kept,)


def test_snapshot_write_on_a_full_disk_stops_naming_the_cause_and_keeps_the_snapshot_in_service(tmp_path):
    data = tmp_path / "var"
    simulate_linked(data / "linked", people=300, as_of=dt.date.fromisoformat(AS_OF))
    before = run_pipeline(
        data / "linked",
        data / "snapshots",
        as_of=dt.date.fromisoformat(AS_OF),
        config=PipelineConfig(bootstrap_resamples=10, show_progress=False, later_period=False),
    )
    files_before = sorted(p.name for p in (data / "snapshots").iterdir())

    failed = _octopus(["pipeline", "run", "--as-of", AS_OF, "--data-dir", str(data)], limit_bytes=4 * 1024)
    said = " ".join(failed.stderr.split())
    assert failed.returncode == 1, failed.stderr[-3000:]
    assert "Stopped: a file-size limit was reached (File too large) writing " in said
    assert f"{data}/snapshots/.work-" in said  # the run's scratch file that could not be written
    assert "Nothing of this run was kept; the snapshot in service is unchanged." in said
    assert "Traceback" not in failed.stderr + failed.stdout

    assert sorted(p.name for p in (data / "snapshots").iterdir()) == files_before  # no scratch, staging or half run
    store = SnapshotStore(data / "snapshots")
    assert store.current_id() == before.run_id
    assert store.manifest(before.run_id)["row_counts"]["residents.parquet"] == 300


@pytest.mark.parametrize(
    ("error", "found"),
    [
        (
            OSError(errno.ENOSPC, "No space left on device", "/data/x.parquet"),
            ("No space left on device", "/data/x.parquet"),
        ),
        (
            duckdb.IOException('IO Error: Could not write file "/var/feeds/store.duckdb": No space left on device'),
            ("No space left on device", "/var/feeds/store.duckdb"),
        ),
        (OSError("error writing /tmp/a.parquet: Disk quota exceeded"), ("Disk quota exceeded", "/tmp/a.parquet")),
        (OSError(errno.ENOENT, "No such file or directory", "/x"), None),
        (ValueError("a bad date"), None),
    ],
)
def test_full_disk_errors_are_recognised_whoever_raised_them(error, found):
    assert disk_full(error) == found
    try:
        try:
            raise error
        except Exception as inner:
            raise RuntimeError("the step failed") from inner
    except RuntimeError as outer:
        assert disk_full(outer) == found  # found through the chain, as Ibis and the pipeline wrap it
