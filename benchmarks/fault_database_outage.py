"""Fault harness: the database goes away under a running `octopus serve`, then comes back.

Usage:
    PYTHONPATH=src python benchmarks/fault_database_outage.py [--database octopus_serving] [--port 8766]

PostgreSQL (127.0.0.1:5432) is reached through a TCP relay this script owns, so the outage is
real (connections refused and cut) without touching the shared server. Steps: create and migrate
a scratch database, start `octopus serve` (gunicorn and the task worker) against the relay, sign
in, then cut the relay and check that pages answer the NHS.UK 503 page (no trace), `/healthz`
stays 200 and `/readyz` says the database is down, and that the task worker is still the same
process; restore the relay and time how long until pages work again, with the same session and
the same task worker. Loopback only; it stops what it started and drops its database.
"""

import argparse
import asyncio
import os
import re
import signal
import subprocess
import sys
import tempfile
import threading
import time

import psycopg
import requests

PG = ("127.0.0.1", 5432)


class Relay:
    """A TCP relay to PostgreSQL that can be cut (listener closed, every connection dropped)."""

    def __init__(self, port: int):
        self.port = port
        self.loop = asyncio.new_event_loop()
        self.server = None
        self.writers: set = set()
        threading.Thread(target=self.loop.run_forever, daemon=True).start()

    async def _pipe(self, reader, writer):
        try:
            while data := await reader.read(65536):
                writer.write(data)
                await writer.drain()
        except (ConnectionError, asyncio.CancelledError):
            pass
        finally:
            writer.close()

    async def _handle(self, client_reader, client_writer):
        try:
            server_reader, server_writer = await asyncio.open_connection(*PG)
        except OSError:
            client_writer.close()
            return
        self.writers |= {client_writer, server_writer}
        await asyncio.gather(self._pipe(client_reader, server_writer), self._pipe(server_reader, client_writer))

    async def _start(self):
        self.server = await asyncio.start_server(self._handle, "127.0.0.1", self.port, reuse_address=True)

    async def _cut(self):
        self.server.close()
        await self.server.wait_closed()
        for writer in list(self.writers):
            writer.transport.abort()
        self.writers.clear()

    def start(self):
        asyncio.run_coroutine_threadsafe(self._start(), self.loop).result()

    def cut(self):
        asyncio.run_coroutine_threadsafe(self._cut(), self.loop).result()


def wait_for(condition, limit=180, step=0.5):
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline:
        try:
            if condition():
                return True
        except requests.RequestException:
            pass
        time.sleep(step)
    return False


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--database", default="octopus_serving")
    parser.add_argument("--port", type=int, default=8766)
    parser.add_argument("--relay-port", type=int, default=55432)
    parser.add_argument("--outage", type=float, default=20, help="seconds the database stays away")
    args = parser.parse_args()
    if not re.fullmatch(r"octopus_[a-z0-9_]+", args.database):
        sys.exit("--database must be a scratch name like octopus_serving")

    with psycopg.connect("postgresql://postgres@127.0.0.1:5432/postgres", autocommit=True) as admin:
        admin.execute(f"DROP DATABASE IF EXISTS {args.database}")
        admin.execute(f"CREATE DATABASE {args.database}")
    relay = Relay(args.relay_port)
    relay.start()
    data_dir = tempfile.mkdtemp(prefix="octopus-outage-")
    env = {
        **os.environ,
        "OCTOPUS_ENV": "demo",
        "OCTOPUS_DATA_DIR": data_dir,
        "OCTOPUS_DB_PASS": "postgres",
        "OCTOPUS_DATABASE_URL": f"postgresql://postgres@127.0.0.1:{args.relay_port}/{args.database}",
        "OCTOPUS_WEB_WORKERS": "2",
        "OCTOPUS_WEB_THREADS": "4",
    }
    octopus = [sys.executable, "-c", "from octopus.cli import main; main()"]
    subprocess.run([*octopus, "manage", "migrate", "-v", "0"], env=env, check=True)
    subprocess.run(
        [
            *octopus,
            "manage",
            "shell",
            "-c",
            "from octopus.accounts.models import User; User.objects.create_user('outage', "
            "password='outage-password-1')",
        ],
        env=env,
        check=True,
    )
    server = subprocess.Popen(
        [*octopus, "serve", "--port", str(args.port)],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    log: list[str] = []
    threading.Thread(target=lambda: log.extend(server.stdout), daemon=True).start()
    base = f"http://127.0.0.1:{args.port}"
    findings = {}
    try:
        assert wait_for(lambda: requests.get(base + "/healthz", timeout=5).status_code == 200), "server did not start"
        session = requests.Session()
        page = session.get(base + "/accounts/login/", timeout=30).text
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
        signed_in = session.post(
            base + "/accounts/login/",
            data={"username": "outage", "password": "outage-password-1", "csrfmiddlewaretoken": token},
            headers={"Referer": base + "/accounts/login/"},
            allow_redirects=False,
            timeout=30,
        )
        assert signed_in.status_code == 302, f"sign-in answered {signed_in.status_code}"
        assert session.get(base + "/", timeout=30).status_code == 200
        worker_before = subprocess.run(
            ["pgrep", "-f", "task_worker --sole-worker", "-P", str(server.pid)], capture_output=True, text=True
        ).stdout.split()

        relay.cut()
        cut_at = time.monotonic()
        down = session.get(base + "/", timeout=60)
        findings["page while down"] = f"{down.status_code}, Retry-After {down.headers.get('Retry-After')}"
        findings["unavailable page"] = "Sorry, Octopus is unavailable" in down.text
        findings["no trace or server named"] = not any(
            s in down.text for s in ("Traceback", "OperationalError", str(args.relay_port))
        )
        findings["/healthz while down"] = requests.get(base + "/healthz", timeout=30).status_code
        ready = requests.get(base + "/readyz", timeout=30)
        findings["/readyz while down"] = f"{ready.status_code} {ready.json()['checks']}"
        time.sleep(max(0.0, args.outage - (time.monotonic() - cut_at)))
        worker_during = subprocess.run(
            ["pgrep", "-f", "task_worker --sole-worker", "-P", str(server.pid)], capture_output=True, text=True
        ).stdout.split()
        findings["task worker survived the outage (same process)"] = worker_before == worker_during and bool(
            worker_before
        )

        relay.start()
        back_at = time.monotonic()
        recovered = wait_for(lambda: session.get(base + "/", timeout=30).status_code == 200, limit=120, step=0.2)
        findings["pages work again, same session"] = recovered
        findings["seconds from database back to a page served"] = round(time.monotonic() - back_at, 1)
        findings["/readyz after"] = requests.get(base + "/readyz", timeout=30).json()["checks"]
        time.sleep(12)
        worker_after = subprocess.run(
            ["pgrep", "-f", "task_worker --sole-worker", "-P", str(server.pid)], capture_output=True, text=True
        ).stdout.split()
        findings["task worker still the same process after"] = worker_after == worker_before
        heartbeat = os.path.join(data_dir, "run", "task-worker.heartbeat")
        findings["heartbeat age after (s)"] = round(time.time() - os.stat(heartbeat).st_mtime, 1)
    finally:
        server.send_signal(signal.SIGTERM)
        try:
            server.wait(timeout=60)
        except subprocess.TimeoutExpired:
            server.kill()
        relay.cut()
        with psycopg.connect("postgresql://postgres@127.0.0.1:5432/postgres", autocommit=True) as admin:
            admin.execute(f"DROP DATABASE IF EXISTS {args.database} WITH (FORCE)")
    for key, value in findings.items():
        print(f"{key}: {value}")
    worker_lines = [line.rstrip() for line in log if "database is unavailable" in line.lower()]
    print("task worker said:", worker_lines[:2])


if __name__ == "__main__":
    main()
