"""The task worker's heartbeat: a file it touches every few seconds, which pages read.

A file in the data folder rather than a database row: it needs no migration, costs one
``stat`` per page, and keeps working while the database is away (when a banner matters most).
The worker already needs the data folder (the feed store and snapshots live there), so every
process that serves pages can see it.
"""

import os
import threading
import time
from pathlib import Path

from django.conf import settings

BEAT_SECONDS = 10
# Three missed beats: long enough for a busy machine, short enough that a person who has just
# pressed "Link now" learns within a minute why nothing is happening.
STALE_AFTER_SECONDS = 3 * BEAT_SECONDS + 5
# How long a queued task may wait, with no worker ever seen, before pages say so.
QUEUED_GRACE_SECONDS = 60


def heartbeat_path() -> Path:
    return Path(settings.DATA_DIR) / "run" / "task-worker.heartbeat"


def beat(path: Path | None = None) -> None:
    path = path or heartbeat_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    now = time.time()
    temporary = path.with_name(f"{path.name}.{os.getpid()}")
    temporary.write_text(f"{os.getpid()} {now:.0f}\n")
    os.utime(temporary, (now, now))  # the same clock age_seconds reads (tests may move it)
    os.replace(temporary, path)  # readers never see a half-written file


def age_seconds(path: Path | None = None) -> float | None:
    """Seconds since the last beat, or None when no worker has ever beaten here."""
    try:
        return max(0.0, time.time() - (path or heartbeat_path()).stat().st_mtime)
    except FileNotFoundError:
        return None


def start_beating(stop: threading.Event, path: Path | None = None) -> threading.Thread:
    """Beat from a daemon thread, so a task that runs for minutes does not look like a dead worker."""

    def loop():
        while not stop.is_set():
            try:
                beat(path)
            except OSError:
                pass  # a full or read-only disk: pages will say the worker is down, which is near enough
            stop.wait(BEAT_SECONDS)

    thread = threading.Thread(target=loop, name="task-worker-heartbeat", daemon=True)
    thread.start()
    return thread


def task_worker_down() -> bool:
    """Whether pages should say background tasks are not running.

    Down when a worker has beaten here and stopped, or when none ever has and a task has been
    waiting for longer than a minute (a deployment that forgot to start one).
    """
    age = age_seconds()
    if age is not None:
        return age > STALE_AFTER_SECONDS
    return _tasks_waiting()


def _tasks_waiting() -> bool:
    backend = settings.TASKS.get("default", {}).get("BACKEND", "")
    if not backend.endswith("django_tasks_db.backend.DatabaseBackend"):
        return False  # tasks run in the request (tests) or elsewhere: no queue to watch
    from datetime import timedelta

    from django.utils import timezone
    from django_tasks_db.models import DBTaskResult

    cutoff = timezone.now() - timedelta(seconds=QUEUED_GRACE_SECONDS)
    return DBTaskResult.objects.ready().filter(enqueued_at__lt=cutoff).exists()
