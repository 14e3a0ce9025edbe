"""Fault harness: a process saving care plans is killed (SIGKILL) mid-save, again and again.

    PYTHONPATH=src python benchmarks/fault_plan_save_kill.py [--database octopus_faults_plan] [--kills 8]

What a gunicorn worker killed during a care-plan save does to the data, without the web layer:
a child process (Django, the production code path `care.services.save_plan`, on PostgreSQL)
saves one plan in a loop, each save from the version it has just read, and prints each version
after its commit returns. The harness kills it with SIGKILL at a random moment (0.2–2.5 s after its
first save, so mid-transaction more often than not), then checks in the database:

- no committed save lost: the plan's version is at least the last version the child reported;
- no half save: the plan's version history has exactly one row per version, 1..version, the
  latest history row holds the plan's current text, and every save has its audit record;
- no lock left behind: the next child saves straight away.

With ``--http`` the saves go through the web server instead: `octopus serve` (gunicorn, its
workers and the task worker, production settings) runs against the scratch database, a client
signs in as the nurse and saves the plan through its edit page in a loop (GET the form, POST the
next version, a redirect back to the plan is a committed save), and the harness kills the whole
server (SIGKILL to its process group) at a random moment, checks the database the same way,
starts the server again and goes on with the same session.

Loopback PostgreSQL only, a scratch database it creates and drops; prints a Markdown summary.
"""

from __future__ import annotations

import argparse
import os
import random
import re
import signal
import subprocess
import sys
import tempfile
import threading
import time

import psycopg

ADMIN = "postgresql://postgres@127.0.0.1:5432/postgres"

SETUP = """
from octopus.accounts.models import Membership, User
from octopus.directory.models import Organisation, Team
from octopus.residents.models import Resident
from octopus.care import services
org = Organisation.objects.create(name="CLCH", heart="health")
team = Team.objects.create(organisation=org, name="District Nursing", tier="consistent")
nurse = User.objects.create_user(username="nurse", password="pw-for-harness-only")
Membership.objects.create(user=nurse, team=team, role="clinician")
resident = Resident.objects.create(person_id="P000001", nhs_number="9400000001", given_name="Test",
    family_name="Resident", address_line="1 Test Street", postcode="W2 1NY")
from octopus.care.services.cases import open_case
open_case(resident, team, nurse, source="search", holder=nurse)
print("PLAN", services.start_plan(resident, nurse).pk)
"""

SAVER = """
import sys
from octopus.accounts.models import User
from octopus.care import services
from octopus.care.models import CarePlan
nurse = User.objects.get(username="nurse")
plan = CarePlan.objects.get(pk={pk})
print("READY", flush=True)
n = 0
while True:
    plan.refresh_from_db()
    services.save_plan(plan, nurse, expected_version=plan.version, what_matters=f"{{plan.version + 1}} what matters",
                       goals=[{{"description": f"goal of version {{plan.version + 1}}"}}], needs={{}},
                       lead_professional=None, review_date=None)
    print("COMMITTED", plan.version, flush=True)
"""


def octopus(env: dict, *args: str, **kwargs) -> subprocess.Popen | subprocess.CompletedProcess:
    command = [sys.executable, "-c", "from octopus.cli import main; main()", *args]
    if kwargs.pop("background", False):
        return subprocess.Popen(
            command, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True
        )
    return subprocess.run(command, env=env, capture_output=True, text=True, check=True, **kwargs)


def check(database: str, pk: int, reported: int) -> dict:
    with psycopg.connect(f"postgresql://postgres@127.0.0.1:5432/{database}") as con:
        version, what = con.execute("SELECT version, what_matters FROM care_careplan WHERE id = %s", [pk]).fetchone()
        history = [
            row[0]
            for row in con.execute(
                "SELECT version FROM care_careplanversion WHERE plan_id = %s ORDER BY version", [pk]
            ).fetchall()
        ]
        audited = con.execute(
            "SELECT count(*) FROM governance_auditevent WHERE summary LIKE 'Care plan v%%'"
        ).fetchone()[0]
    return {
        "version": version,
        "reported": reported,
        "lost": version < reported,
        "history_complete": history == list(range(1, version + 1)),
        "text_matches": what == ("" if version == 1 else f"{version} what matters"),
        "audited": audited,
        "audit_complete": audited == version - 1,
    }


class HttpSaver:
    """A nurse saving the plan through its edit page, one save after another, in a thread."""

    def __init__(self, base: str):
        import requests

        self.base, self.session = base, requests.Session()
        self.committed: list[int] = []
        self.failed: list[str] = []
        self.stop = threading.Event()

    def sign_in(self) -> None:
        page = self.session.get(self.base + "/accounts/login/", timeout=30).text
        answer = self.session.post(
            self.base + "/accounts/login/",
            data={"username": "nurse", "password": "pw-for-harness-only", "csrfmiddlewaretoken": _token(page)},
            headers={"Referer": self.base + "/accounts/login/"},
            allow_redirects=False,
            timeout=30,
        )
        if answer.status_code != 302:
            raise SystemExit(f"Sign-in answered {answer.status_code}")

    def start(self) -> threading.Thread:
        """A new run of saves in a thread, its counts empty."""
        self.committed, self.failed = [], []
        self.stop.clear()
        thread = threading.Thread(target=self.run, daemon=True)
        thread.start()
        return thread

    def run(self) -> None:
        url = self.base + "/caseload/residents/P000001/plan/edit/"
        while not self.stop.is_set():
            try:
                page = self.session.get(url, timeout=30)
                version = int(re.search(r'name="version" value="(\d+)"', page.text).group(1))
                answer = self.session.post(
                    url,
                    data={
                        "csrfmiddlewaretoken": _token(page.text),
                        "version": version,
                        "what_matters": f"{version + 1} what matters",
                        "goals": f"goal of version {version + 1}",
                    },
                    headers={"Referer": url},
                    allow_redirects=False,
                    timeout=30,
                )
            except Exception as error:  # the server was killed under the request
                self.failed.append(type(error).__name__)
                return
            if answer.status_code == 302:
                self.committed.append(version + 1)
            else:
                self.failed.append(f"HTTP {answer.status_code}")
                return


def _token(page: str) -> str:
    return re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)


def _serve(env: dict, port: int) -> subprocess.Popen:
    server = octopus(env, "serve", "--port", str(port), background=True)
    import requests

    deadline = time.monotonic() + 180
    while time.monotonic() < deadline:
        try:
            # Not /readyz: that also asks for a published snapshot, which this database has none of.
            if requests.get(f"http://127.0.0.1:{port}/accounts/login/", timeout=5).status_code == 200:
                return server
        except requests.RequestException:
            pass
        if server.poll() is not None:
            raise SystemExit(f"octopus serve exited: {server.stderr.read()[-2000:]}")
        time.sleep(0.25)
    raise SystemExit("octopus serve did not serve its sign-in page in 180 s")


def _kill_after_first_save(process: subprocess.Popen, rng: random.Random, saved, failed, deadline: float) -> float:
    """Wait for the first committed save, then SIGKILL the process group 0.2-2.5 s later (mid-save
    more often than not); returns when the first save was seen."""
    while not saved() and time.monotonic() < deadline:
        if problem := failed():
            raise SystemExit(f"Before the kill: {problem}")
        time.sleep(0.05)
    first = time.monotonic()
    time.sleep(rng.uniform(0.2, 2.5))
    os.killpg(process.pid, signal.SIGKILL)
    process.wait()
    return first


def _http_kills(env: dict, args, rng: random.Random, pk: int) -> list[dict]:
    rows = []
    saver = HttpSaver(f"http://127.0.0.1:{args.port}")
    for attempt in range(args.kills):
        server = _serve(env, args.port)
        if attempt == 0:
            saver.sign_in()
        started = time.monotonic()
        thread = saver.start()
        first = _kill_after_first_save(server, rng, lambda: bool(saver.committed), lambda: saver.failed, started + 120)
        thread.join(timeout=60)
        saver.stop.set()
        before = rows[-1]["version"] if rows else 1
        row = check(args.database, pk, max(saver.committed))
        row["saves this run"] = len(saver.committed)
        row["killed after (s)"] = round(time.monotonic() - first, 2)
        row["client saw"] = saver.failed[0] if saver.failed else "nothing (between requests)"
        row["first save this run"] = min(saver.committed) == before + 1
        rows.append(row)
        print(f"kill {attempt + 1}: {row}", file=sys.stderr, flush=True)
    # The server once more: the plan opens and saves at once after the last kill.
    server = _serve(env, args.port)
    try:
        thread = saver.start()
        time.sleep(2)
        saver.stop.set()
        thread.join(timeout=60)
        print(
            f"after the last kill the server started again saved {len(saver.committed)} times in 2 s, failures: "
            f"{saver.failed or 'none'}"
        )
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=60)
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database", default="octopus_faults_plan")
    parser.add_argument("--kills", type=int, default=8)
    parser.add_argument("--seed", type=int, default=16)
    parser.add_argument("--http", action="store_true", help="save through octopus serve and kill the server")
    parser.add_argument("--port", type=int, default=8767)
    args = parser.parse_args()
    if not re.fullmatch(r"octopus_[a-z0-9_]+", args.database):
        sys.exit("--database must be a scratch name like octopus_faults_plan")
    rng = random.Random(args.seed)
    with psycopg.connect(ADMIN, autocommit=True) as admin:
        admin.execute(f"DROP DATABASE IF EXISTS {args.database} WITH (FORCE)")
        admin.execute(f"CREATE DATABASE {args.database}")
    data_dir = tempfile.mkdtemp(prefix="octopus-plankill-")
    env = {
        **os.environ,
        "OCTOPUS_ENV": "demo",
        "OCTOPUS_DATA_DIR": data_dir,
        "OCTOPUS_DB_PASS": "postgres",
        "OCTOPUS_DATABASE_URL": f"postgresql://postgres@127.0.0.1:5432/{args.database}",
    }
    rows = []
    try:
        octopus(env, "manage", "migrate", "-v", "0")
        pk = int(re.search(r"PLAN (\d+)", octopus(env, "manage", "shell", "-c", SETUP).stdout).group(1))
        if args.http:
            rows = _http_kills(env, args, rng, pk)
        for attempt in range(0 if args.http else args.kills):
            child = octopus(env, "manage", "shell", "-c", SAVER.format(pk=pk), background=True)
            lines: list[str] = []
            reader = threading.Thread(target=lambda c=child, out=lines: out.extend(c.stdout), daemon=True)
            reader.start()
            first = _kill_after_first_save(
                child,
                rng,
                lambda out=lines: any(line.startswith("COMMITTED") for line in out),
                lambda c=child: c.poll() is not None and f"The saver exited: {c.stderr.read()[-2000:]}",
                time.monotonic() + 300,
            )
            reader.join(timeout=5)
            committed = [int(line.split()[1]) for line in list(lines) if line.startswith("COMMITTED")]
            row = check(args.database, pk, max(committed))
            row["saves this run"] = len(committed)
            row["killed after (s)"] = round(time.monotonic() - first, 2)
            rows.append(row)
            print(f"kill {attempt + 1}: {row}", file=sys.stderr, flush=True)
    finally:
        with psycopg.connect(ADMIN, autocommit=True) as admin:
            admin.execute(f"DROP DATABASE IF EXISTS {args.database} WITH (FORCE)")
    print(f"load average {os.getloadavg()[0]:.1f}")
    http = " what the client saw | next save carried on from the database |" if args.http else ""
    print(
        "| kill | saves committed in that run | last version reported | version in the database | "
        "committed save lost | history 1..version | text of the latest save | audit record per save |" + http
    )
    print("|---|---|---|---|---|---|---|---|" + ("---|---|" if args.http else ""))
    for n, r in enumerate(rows, 1):
        extra = f" {r['client saw']} | {'yes' if r['first save this run'] else 'NO'} |" if args.http else ""
        print(
            f"| {n} | {r['saves this run']} | {r['reported']} | {r['version']} | {'YES' if r['lost'] else 'no'} | "
            f"{'yes' if r['history_complete'] else 'NO'} | {'yes' if r['text_matches'] else 'NO'} | "
            f"{'yes' if r['audit_complete'] else 'NO'} |" + extra
        )


if __name__ == "__main__":
    main()
