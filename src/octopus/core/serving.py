"""``octopus serve``: gunicorn for the pages, and the task worker beside it, kept running.

One small supervisor process (this module) starts two children and stays in front of them:

- **gunicorn** (pinned) serves the pages with ``workers × threads`` sized to the machine; it
  supervises its own web workers (a worker that dies is replaced) and restarts them gracefully;
- **the task worker** (``octopus manage task_worker --sole-worker``) runs linkage and pipeline
  runs; if it exits for any reason it is started again, after a pause that grows while it keeps
  failing (1 s, doubling, at most a minute).

Signals (decision 0034):

- ``SIGHUP``: reload. gunicorn starts new web workers with fresh code and settings and lets the
  old ones finish their requests; the task worker finishes its current run, exits and is started
  again with the new code.
- ``SIGTERM`` / ``SIGINT`` (Ctrl+C): stop. gunicorn stops accepting connections and gives
  requests in flight ``OCTOPUS_GRACEFUL_TIMEOUT`` (30 s) to finish; the task worker is asked to
  stop after its current run and is killed after the same time if still busy (the run it was
  doing is closed as interrupted when the worker next starts, and can be run again).
"""

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from octopus.settings.environment import env_int

GRACEFUL_TIMEOUT = 30
KEEP_ALIVE = 75  # seconds; nginx's default keepalive_timeout, so a proxy in front closes first
MAX_RESTART_PAUSE = 60


def cpu_count() -> int:
    try:
        return len(os.sched_getaffinity(0))  # what this process may use (containers, taskset)
    except AttributeError:  # not Linux
        return os.cpu_count() or 1


@dataclass(frozen=True)
class WebSize:
    workers: int
    threads: int


def web_size(*, sqlite: bool, cpus: int | None = None) -> WebSize:
    """Processes and threads for gunicorn, from the machine unless set.

    Processes: gunicorn's own advice, 2 × CPUs + 1, capped at 9 (each holds a copy of Django and
    its connections; beyond that memory grows faster than throughput). Threads: 4 per process, so
    a page waiting on the database does not hold a whole process. On SQLite every process is a
    separate writer queueing for one lock, so fewer processes and more threads: 2 × CPUs, at
    most 4, with 8 threads each.
    """
    cpus = cpus or cpu_count()
    if sqlite:
        workers, threads = min(2 * cpus, 4), 8
    else:
        workers, threads = min(2 * cpus + 1, 9), 4
    return WebSize(
        workers=env_int("OCTOPUS_WEB_WORKERS", workers),
        threads=env_int("OCTOPUS_WEB_THREADS", threads),
    )


def gunicorn_argv(host: str, port: int, size: WebSize) -> list[str]:
    graceful = env_int("OCTOPUS_GRACEFUL_TIMEOUT", GRACEFUL_TIMEOUT)
    return [
        sys.executable,
        "-m",
        "gunicorn",
        "octopus.wsgi:application",
        "--bind",
        f"{host}:{port}",
        "--workers",
        str(size.workers),
        "--worker-class",
        "gthread",
        "--threads",
        str(size.threads),
        "--graceful-timeout",
        str(graceful),
        # A request that runs longer than this is stuck: its worker is replaced.
        "--timeout",
        str(env_int("OCTOPUS_REQUEST_TIMEOUT", 120)),
        # Longer than a person's pause between pages, so an idle connection is not closed just as
        # the next request is sent on it (the client then sees a reset; the 200-user load test
        # lost 33 of 5,610 requests that way at 5 s). Idle connections cost a threaded worker no
        # thread, only a socket in its poller.
        "--keep-alive",
        str(env_int("OCTOPUS_WEB_KEEP_ALIVE", KEEP_ALIVE)),
        *_recycling(),
        # No access log: URLs and query strings can carry identifiers (searches by NHS number).
        # Errors go to stderr through Django's logging, which redacts them.
        "--error-logfile",
        "-",
        "--forwarded-allow-ips",
        os.environ.get("OCTOPUS_FORWARDED_ALLOW_IPS", "127.0.0.1,::1"),
        "--name",
        "octopus-web",
        # gunicorn's control socket sits at one path per user (~/.gunicorn): two Octopus servers
        # on one machine would fight over it, and signals already do what Octopus needs.
        "--no-control-socket",
    ]


def _recycling() -> list[str]:
    """Web processes are not replaced after a number of requests unless OCTOPUS_WEB_MAX_REQUESTS
    says so. gunicorn's threaded worker resets the connections it has accepted but not answered
    when it retires for ``--max-requests`` (benoitc/gunicorn#3038, open): the 200-user load test
    at 1M lost 62 of 4,189 requests that way, every one at a worker's planned restart."""
    limit = env_int("OCTOPUS_WEB_MAX_REQUESTS", 0)
    return ["--max-requests", str(limit), "--max-requests-jitter", str(limit // 10)] if limit > 0 else []


def task_worker_argv() -> list[str]:
    return [
        sys.executable,
        "-c",
        "from octopus.cli import main; main()",
        "manage",
        "task_worker",
        "--sole-worker",
        "--no-reload",
    ]


class Supervisor:
    """Runs the web server and keeps the task worker running; forwards reload and stop signals."""

    def __init__(
        self,
        web: Sequence[str],
        worker: Sequence[str] | None,
        *,
        echo: Callable[[str], None] = print,
        graceful_timeout: float = GRACEFUL_TIMEOUT,
        poll_seconds: float = 0.5,
    ):
        self.web_argv, self.worker_argv = list(web), list(worker) if worker else None
        self.echo = echo
        self.graceful_timeout = graceful_timeout
        self.poll_seconds = poll_seconds
        self.web: subprocess.Popen | None = None
        self.worker: subprocess.Popen | None = None
        self.worker_restarts = 0
        self._stopping = False
        self._reload = False

    # Signals only set flags: the loop acts on them, never the handler.
    def _on_stop(self, signum, frame) -> None:
        self._stopping = True

    def _on_reload(self, signum, frame) -> None:
        self._reload = True

    def run(self) -> int:
        previous = {
            sig: signal.signal(sig, handler)
            for sig, handler in (
                (signal.SIGTERM, self._on_stop),
                (signal.SIGINT, self._on_stop),
                (signal.SIGHUP, self._on_reload),
            )
        }
        try:
            self.web = subprocess.Popen(self.web_argv)
            self._start_worker()
            return self._loop()
        finally:
            self._stop_all()
            for sig, handler in previous.items():
                signal.signal(sig, handler)

    def _start_worker(self) -> None:
        if self.worker_argv:
            self.worker = subprocess.Popen(self.worker_argv)
            self._worker_started = time.monotonic()

    def _loop(self) -> int:
        pause, restart_at = 1.0, None
        while not self._stopping:
            if self.web.poll() is not None:
                self.echo(f"The web server stopped (exit code {self.web.returncode}); stopping Octopus.")
                return self.web.returncode or 1
            if self._reload:
                self._reload = False
                self.echo("Reloading: new web workers, and the task worker after its current run.")
                self.web.send_signal(signal.SIGHUP)
                if self.worker is not None and self.worker.poll() is None:
                    self.worker.terminate()  # graceful: it finishes its current task first
                    self._wait(self.worker)
                pause, restart_at = 1.0, time.monotonic()
            elif self.worker is not None and self.worker.poll() is not None and restart_at is None:
                ran_for = time.monotonic() - self._worker_started
                if ran_for > MAX_RESTART_PAUSE:
                    pause = 1.0  # it had been running well: a fresh failure, not a crash loop
                self.echo(
                    f"The task worker stopped (exit code {self.worker.returncode}); starting it again in {pause:.0f} s."
                )
                restart_at = time.monotonic() + pause
                pause = min(pause * 2, MAX_RESTART_PAUSE)
            if restart_at is not None and time.monotonic() >= restart_at:
                restart_at = None
                self.worker_restarts += 1
                self._start_worker()
            time.sleep(self.poll_seconds)
        return 0

    def _wait(self, process: subprocess.Popen) -> None:
        try:
            process.wait(timeout=self.graceful_timeout)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()

    def _stop_all(self) -> None:
        running = [p for p in (self.web, self.worker) if p is not None and p.poll() is None]
        for process in running:
            process.terminate()
        for process in running:
            self._wait(process)
