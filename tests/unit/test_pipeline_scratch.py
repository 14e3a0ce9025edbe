"""Scratch folders left by killed pipeline runs are removed by the next run."""

import os
import socket
import subprocess
import sys

from octopus.population.pipeline import OWNER_FILE, remove_stale_scratch


def test_remove_stale_scratch_keeps_live_runs_and_other_hosts(tmp_path):
    finished = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    dead_pid = int(finished.stdout)
    for name, owner in {
        ".work-killed-1": f"{socket.gethostname()} {dead_pid}",
        ".work-running-2": f"{socket.gethostname()} {os.getpid()}",
        ".work-elsewhere-3": f"another-host {dead_pid}",
    }.items():
        (tmp_path / name).mkdir()
        (tmp_path / name / OWNER_FILE).write_text(owner)
        (tmp_path / name / "features.parquet").write_bytes(b"x")
    (tmp_path / ".work-old-4").mkdir()  # from before owners were written
    (tmp_path / "run-1").mkdir()  # a published snapshot, never touched

    removed = remove_stale_scratch(tmp_path)

    assert sorted(path.name for path in removed) == [".work-killed-1", ".work-old-4"]
    assert sorted(path.name for path in tmp_path.iterdir()) == [".work-elsewhere-3", ".work-running-2", "run-1"]
