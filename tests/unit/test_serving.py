"""`octopus serve`: web sizing, the supervisor that keeps the task worker running and forwards
reload and stop signals, and the worker that rides out database outages (decision 0034)."""

import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path
from unittest import mock

from django.db.utils import OperationalError

from octopus.core import serving


def test_web_size_follows_the_machine(monkeypatch):
    monkeypatch.delenv("OCTOPUS_WEB_WORKERS", raising=False)
    monkeypatch.delenv("OCTOPUS_WEB_THREADS", raising=False)
    assert serving.web_size(sqlite=False, cpus=2) == serving.WebSize(workers=5, threads=4)
    assert serving.web_size(sqlite=False, cpus=16) == serving.WebSize(workers=9, threads=4)
    assert serving.web_size(sqlite=True, cpus=2) == serving.WebSize(workers=4, threads=8)
    assert serving.web_size(sqlite=True, cpus=1) == serving.WebSize(workers=2, threads=8)


def test_web_size_set_by_the_environment(monkeypatch):
    monkeypatch.setenv("OCTOPUS_WEB_WORKERS", "3")
    monkeypatch.setenv("OCTOPUS_WEB_THREADS", "2")
    assert serving.web_size(sqlite=False, cpus=8) == serving.WebSize(workers=3, threads=2)


def test_gunicorn_runs_threaded_workers_without_an_access_log():
    argv = serving.gunicorn_argv("127.0.0.1", 8123, serving.WebSize(workers=2, threads=4))
    assert argv[1:4] == ["-m", "gunicorn", "octopus.wsgi:application"]
    joined = " ".join(argv)
    assert "--bind 127.0.0.1:8123" in joined and "--workers 2" in joined and "--threads 4" in joined
    assert "--worker-class gthread" in joined and "--graceful-timeout 30" in joined
    assert "--access-logfile" not in joined  # URLs can carry identifiers
    # Retiring a threaded worker after N requests resets connections it holds (gunicorn#3038).
    assert "--max-requests" not in joined


def test_worker_recycling_only_when_configured(monkeypatch):
    monkeypatch.setenv("OCTOPUS_WEB_MAX_REQUESTS", "5000")
    joined = " ".join(serving.gunicorn_argv("127.0.0.1", 8123, serving.WebSize(workers=2, threads=4)))
    assert "--max-requests 5000" in joined and "--max-requests-jitter 500" in joined


def _wait_for(condition, what: str, limit: float = 60) -> None:
    deadline = time.monotonic() + limit
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"gave up waiting for {what}")
        time.sleep(0.1)


def _lines(path: Path) -> list[str]:
    return path.read_text().split() if path.exists() else []


def test_supervisor_restarts_the_worker_and_forwards_reload_and_stop(tmp_path):
    web_log, worker_log = tmp_path / "web.log", tmp_path / "worker.log"
    web = textwrap.dedent(f"""
        import signal, sys, time
        log = open({str(web_log)!r}, "a", buffering=1)
        signal.signal(signal.SIGHUP, lambda *a: log.write("HUP\\n"))
        def stop(*a):
            log.write("TERM\\n"); sys.exit(0)
        signal.signal(signal.SIGTERM, stop)
        log.write("started\\n")
        while True:
            time.sleep(0.1)
    """)
    # A worker that dies at once, every time: the supervisor must keep starting it.
    worker = f"open({str(worker_log)!r}, 'a').write('started\\n'); raise SystemExit(3)"
    script = textwrap.dedent(f"""
        import sys
        from octopus.core.serving import Supervisor
        s = Supervisor([sys.executable, "-c", {web!r}], [sys.executable, "-c", {worker!r}],
                       graceful_timeout=10, poll_seconds=0.05)
        sys.exit(s.run())
    """)
    supervisor = subprocess.Popen([sys.executable, "-c", script], env={**os.environ}, stdout=subprocess.PIPE, text=True)
    try:
        _wait_for(lambda: len(_lines(worker_log)) >= 3, "the task worker to be started three times")
        _wait_for(lambda: "started" in _lines(web_log), "the web server")
        supervisor.send_signal(signal.SIGHUP)
        _wait_for(lambda: "HUP" in _lines(web_log), "the web server to be told to reload")
        supervisor.send_signal(signal.SIGTERM)
        assert supervisor.wait(timeout=30) == 0
    finally:
        if supervisor.poll() is None:
            supervisor.kill()
    assert _lines(web_log)[-1] == "TERM"  # graceful stop forwarded, not a kill
    output = supervisor.stdout.read()
    assert "The task worker stopped (exit code 3); starting it again in 1 s." in output
    assert "starting it again in 2 s." in output  # the pause grows while it keeps failing


def test_supervisor_stops_when_the_web_server_dies(tmp_path):
    supervisor = serving.Supervisor(
        [sys.executable, "-c", "raise SystemExit(4)"],
        [sys.executable, "-c", "import time; time.sleep(60)"],
        echo=lambda line: None,
        graceful_timeout=10,
        poll_seconds=0.05,
    )
    assert supervisor.run() == 4
    assert supervisor.worker.poll() is not None  # the worker was stopped with it


def test_worker_carries_on_after_the_database_comes_back():
    from django_tasks_db.management.commands.db_worker import Worker

    from octopus.core.management.commands.task_worker import ResilientWorker

    worker = ResilientWorker(
        queue_names=["default"],
        interval=1,
        batch=True,
        backend_name="default",
        startup_delay=False,
        max_tasks=None,
        worker_id="w",
        excluded_queue_names=[],
    )
    outcomes = [OperationalError("could not connect to server"), OperationalError("still down"), None]

    def run(self):
        outcome = outcomes.pop(0)
        if outcome is not None:
            raise outcome

    with (
        mock.patch.object(Worker, "run", run),
        mock.patch("octopus.core.management.commands.task_worker.time.sleep") as sleep,
        mock.patch("octopus.core.management.commands.task_worker._drop_connections"),
    ):
        worker.run()
    assert outcomes == []
    assert [call.args[0] for call in sleep.call_args_list] == [1, 2]


def test_heartbeat_age(tmp_path):
    from octopus.core import heartbeat

    path = tmp_path / "run" / "beat"
    assert heartbeat.age_seconds(path) is None
    heartbeat.beat(path)
    assert heartbeat.age_seconds(path) < heartbeat.STALE_AFTER_SECONDS
    assert not list(path.parent.glob("beat.*"))  # no temporary file left behind
