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

Loopback PostgreSQL only, a scratch database it creates and drops; prints a Markdown summary.
The HTTP path (gunicorn worker SIGKILL under `octopus serve`) is not exercised: each save is one
database transaction, which is what survives or not when a worker dies.
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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database", default="octopus_faults_plan")
    parser.add_argument("--kills", type=int, default=8)
    parser.add_argument("--seed", type=int, default=16)
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
        for attempt in range(args.kills):
            child = octopus(env, "manage", "shell", "-c", SAVER.format(pk=pk), background=True)
            lines: list[str] = []
            reader = threading.Thread(target=lambda c=child, out=lines: out.extend(c.stdout), daemon=True)
            reader.start()
            deadline = time.monotonic() + 300
            while not any(line.startswith("COMMITTED") for line in lines) and time.monotonic() < deadline:
                if child.poll() is not None:
                    raise SystemExit(f"The saver exited: {child.stderr.read()[-2000:]}")
                time.sleep(0.05)
            first = time.monotonic()
            time.sleep(rng.uniform(0.2, 2.5))
            os.killpg(child.pid, signal.SIGKILL)
            child.wait()
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
    print(
        "| kill | saves committed in that run | last version reported | version in the database | "
        "committed save lost | history 1..version | text of the latest save | audit record per save |"
    )
    print("|---|---|---|---|---|---|---|---|")
    for n, r in enumerate(rows, 1):
        print(
            f"| {n} | {r['saves this run']} | {r['reported']} | {r['version']} | {'YES' if r['lost'] else 'no'} | "
            f"{'yes' if r['history_complete'] else 'NO'} | {'yes' if r['text_matches'] else 'NO'} | "
            f"{'yes' if r['audit_complete'] else 'NO'} |"
        )


if __name__ == "__main__":
    main()
