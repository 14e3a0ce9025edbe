"""Latency of a 50,000-resident case-finding list page on PostgreSQL (target: under 1 s).

Usage:
    PYTHONPATH=src python -u benchmarks/casefinding_list.py [--residents 60000] [--listed 50000]
        [--database octopus_casefinding_bench] [--reuse] [--requests 20] [--warmup 3] [--json results.json]

Builds a PostgreSQL database (dropped and built again unless ``--reuse``) with one PCN of eight
practices and ``--residents`` residents registered with them, ``--listed`` of whom are in the
shielded-style cohort (``Resident.cohorts`` as the publish step writes it) with risk, bands and
segments; 5% hold an open case on one of four teams; 10% carry a decision on the list (acted on
or reviewed, no action), a fifth of those made before their listing changed. A PCN care
coordinator, whose practice relationship covers every one of them, then opens through Django's
test client: the list (first page, sorted by risk), sorted by status, filtered by band, a page
deep in the list, filtered to those left to review, the lists index (counts of every list), and
the CSV export of the whole list. Each gets ``--warmup`` unmeasured requests, then ``--requests``
measured ones; it prints p50/p95/max and the SQL statements per request.
"""

import argparse
import datetime as dt
import io
import json
import os
import platform
import random
import statistics
import sys
import time

parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
parser.add_argument("--residents", type=int, default=60_000)
parser.add_argument("--listed", type=int, default=50_000)
parser.add_argument("--database", default="octopus_casefinding_bench")
parser.add_argument("--server", default="postgresql://postgres@127.0.0.1:5432")
parser.add_argument(
    "--reuse", action="store_true", help="keep the existing database (migrate it) instead of building it"
)
parser.add_argument("--requests", type=int, default=20)
parser.add_argument("--warmup", type=int, default=3)
parser.add_argument("--json", default="", help="also write the results to this file")
parser.add_argument(
    "--serial",
    action="store_true",
    help="no parallel query workers, so the CPU column counts all the database's work (see below)",
)
parser.add_argument(
    "--pages",
    default="first,status,band,page500,review,index,export",
    help="which to measure (comma-separated); 'none' only sets up, as farm-bench's yardstick (--vs)",
)
args = parser.parse_args()

os.environ.pop("OCTOPUS_TEST_DATABASE_URL", None)
os.environ["OCTOPUS_DATABASE_URL"] = f"{args.server}/{args.database}"
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "octopus.settings.test")

import psycopg  # noqa: E402

if not args.reuse:
    with psycopg.connect(f"{args.server}/postgres", autocommit=True) as admin:
        if admin.execute("SELECT 1 FROM pg_database WHERE datname = %s", [args.database]).fetchone():
            admin.execute(f'DROP DATABASE "{args.database}" WITH (FORCE)')
        admin.execute(f'CREATE DATABASE "{args.database}"')

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import setup_test_environment  # noqa: E402
from django.utils import timezone  # noqa: E402

from octopus.accounts.models import Membership, User  # noqa: E402
from octopus.care.models import Case  # noqa: E402
from octopus.casefinding import export, lists  # noqa: E402
from octopus.casefinding.models import ListDecision  # noqa: E402
from octopus.directory.models import PCN, GPPractice, Organisation, Team  # noqa: E402
from octopus.residents.models import Resident  # noqa: E402

SHIELDED = "Clinically vulnerable (shielded-style)"
BANDS = ["very high", "high", "moderate", "low", "very low"]
SEGMENTS = [
    "Frailty and dementia",
    "Adults with long-term conditions",
    "Mostly healthy adults",
    "End of life",
    "Children",
]
pick = random.Random(2026)


def say(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", flush=True)


def build() -> None:
    call_command("migrate", interactive=False, verbosity=0)
    if Resident.objects.exists():
        say(f"reusing {Resident.objects.count():,} residents")
        return
    pcn = PCN.objects.create(code="U90000", name="Benchmark PCN", sub_icb_code="W2U3Z", icb_code="QRV")
    practices = [
        GPPractice.objects.create(ods_code=f"E9{n:04d}", name=f"Benchmark Practice {n}", postcode="W2 1AA", pcn=pcn)
        for n in range(8)
    ]
    pcn_org = Organisation.objects.create(name="Benchmark PCN", heart="health", ods_code=pcn.code)
    pcn_team = Team.objects.create(organisation=pcn_org, name="Benchmark PCN care coordination", tier="consistent")
    coordinator = User.objects.create_user(
        username="bench-coordinator", password="pw-for-benchmarks-only", first_name="Bench", last_name="Coordinator"
    )
    Membership.objects.create(user=coordinator, team=pcn_team, role="care_coordinator")
    teams = [Team.objects.create(organisation=pcn_org, name=f"Benchmark team {n}", tier="consistent") for n in range(4)]
    say(f"inserting {args.residents:,} residents")
    batch = []
    for n in range(args.residents):
        risk = pick.betavariate(1.2, 8)
        batch.append(
            Resident(
                person_id=f"B{n:09d}",
                nhs_number=f"{9990000000 + n}",
                given_name=f"Given{n % 997}",
                family_name=f"Family{n % 4999}",
                date_of_birth=dt.date(1930, 1, 1) + dt.timedelta(days=pick.randrange(0, 33000)),
                practice_ods_code=practices[n % len(practices)].ods_code,
                registered=True,
                risk_probability=risk,
                risk_band=BANDS[min(4, int((1 - risk) * 5))],
                segment=pick.choice(SEGMENTS),
                rising_risk=n % 40 == 0,
                rising_risk_reason="Risk centile rose 14 since the last run" if n % 40 == 0 else "",
                cohorts=[SHIELDED, "WELC target population"] if n < args.listed else ["WELC target population"],
                snapshot_run_id="bench",
            )
        )
        if len(batch) == 10_000:
            Resident.objects.bulk_create(batch)
            batch = []
    Resident.objects.bulk_create(batch)
    ids = list(Resident.objects.order_by("pk").values_list("pk", "risk_band", "segment")[: args.listed])
    now = timezone.now()
    say("cases and decisions")
    Case.objects.bulk_create(
        [
            Case(
                resident_id=pk,
                team=teams[i % 4],
                holder=coordinator if i % 3 == 0 else None,
                source="cohort",
                opened_at=now,
            )
            for i, (pk, _, _) in enumerate(pick.sample(ids, len(ids) // 20))
        ]
    )
    ListDecision.objects.bulk_create(
        [
            ListDecision(
                list_name="clinically_vulnerable",
                resident_id=pk,
                outcome=pick.choice(["no_action", "case", "check_ins"]),
                detail="Benchmark decision",
                listed_band=band if i % 5 else "",
                listed_segment=segment,
                decided_by=coordinator,
                decided_at=now,
            )
            for i, (pk, band, segment) in enumerate(pick.sample(ids, len(ids) // 10))
        ],
        batch_size=5000,
    )
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")


class Statements:
    def __init__(self):
        self.count = 0

    def __call__(self, execute, sql, params, many, context):
        self.count += 1
        return execute(sql, params, many, context)


def backend_cpu() -> float | None:
    """CPU seconds the database backend serving this connection has used (PostgreSQL on this
    machine, /proc readable), or None. With --serial it is all the database's work for a request."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        pid = cursor.fetchone()[0]
    try:
        fields = open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def measure(name, run) -> dict:
    """Wall time per request, and CPU time (this process plus the database backend): on a shared
    machine under load the wall time stretches with the queue for the cores, the CPU time much less,
    so the CPU time is what an idle machine's wall time approaches (the work is serial with --serial)."""
    for _ in range(args.warmup):
        run()
    times, statements, cpus = [], [], []
    for _ in range(args.requests):
        counter = Statements()
        database = backend_cpu()
        with connection.execute_wrapper(counter):
            started, cpu = time.perf_counter(), time.process_time()
            run()
            times.append(time.perf_counter() - started)
            cpu = time.process_time() - cpu
        if database is not None:
            cpu += backend_cpu() - database
        cpus.append(cpu)
        statements.append(counter.count)
    times.sort()
    result = {
        "page": name,
        "p50_ms": round(statistics.median(times) * 1000),
        "p95_ms": round(times[int(0.95 * (len(times) - 1))] * 1000),
        "max_ms": round(times[-1] * 1000),
        "cpu_p50_ms": round(statistics.median(cpus) * 1000),
        "statements": statistics.median(statements),
    }
    say(
        f"{name:28s} p50 {result['p50_ms']:6d} ms  p95 {result['p95_ms']:6d} ms  max {result['max_ms']:6d} ms  "
        f"cpu p50 {result['cpu_p50_ms']:5d} ms  {result['statements']:.0f} statements"
    )
    return result


def main() -> None:
    build()
    setup_test_environment()
    if args.serial:
        with connection.cursor() as cursor:
            cursor.execute("SET max_parallel_workers_per_gather = 0")
    coordinator = User.objects.get(username="bench-coordinator")
    listed = lists.rows(
        lists.visible_to(coordinator), lists.get_list("clinically_vulnerable"), lists.Filters(), timezone.localdate()
    ).count()
    say(f"the coordinator's shielded-style list: {listed:,} residents")
    if args.requests < 1:
        return
    client = Client()
    client.force_login(coordinator)
    base = "/case-finding/clinically_vulnerable/"

    def get(url):
        def run():
            response = client.get(url)
            assert response.status_code == 200, (url, response.status_code)

        return run

    def export_all():
        handle = io.StringIO()
        export.write_csv(
            handle,
            export.list_rows(
                lists.visible_to(coordinator), lists.get_list("clinically_vulnerable"), timezone.localdate()
            ),
        )

    pages = {
        "first": ("list, first page", get(base)),
        "status": ("list, sorted by status", get(base + "?sort=status")),
        "band": ("list, band filter", get(base + "?band=high")),
        "page500": ("list, page 500", get(base + "?page=500")),
        "review": ("list, left to review", get(base + "?status=to_review")),
        "index": ("lists index (all counts)", get("/case-finding/")),
    }
    wanted = [p for p in args.pages.split(",") if p and p != "none"]
    results = [measure(*pages[p]) for p in wanted if p in pages]
    if "export" in wanted:
        saved, args.requests, args.warmup = (args.requests, args.warmup), min(args.requests, 3), min(args.warmup, 1)
        results.append(measure("export, whole list (CSV)", export_all))
        args.requests, args.warmup = saved
    machine = {
        "python": sys.version.split()[0],
        "platform": platform.platform(),
        "cpus": os.cpu_count(),
        "postgresql": connection.cursor().connection.info.server_version,
        "date": dt.date.today().isoformat(),
    }
    say(f"machine: {machine}")
    if args.json:
        with open(args.json, "w") as handle:
            json.dump(
                {"residents": args.residents, "listed": listed, "machine": machine, "results": results},
                handle,
                indent=2,
            )


if __name__ == "__main__":
    main()
