"""Latency of the resident record and the caseload pages with a 1M-resident population on PostgreSQL.

Usage:
    PYTHONPATH=src python -u benchmarks/care_latency.py [--residents 1000000] [--database octopus_carebench]
        [--reuse] [--build-only] [--requests 200] [--warmup 20] [--only record,team_caseload]
        [--profile record] [--json results.json]

Builds a PostgreSQL database that looks like a published snapshot (``care_population.py``
describes it: households, practices, LSOAs, risk, bands, segments, flags, about 20 timeline events
a resident, 30 teams with caseloads of 50-400, referrals, care plans, check-ins, consents). It is
dropped and built again unless ``--reuse``, which migrates the existing one instead, so that new
indexes are built on the loaded data as a deployment would.

Then it measures pages through Django's test client, logged in as practitioners with a legitimate
relationship to the residents they open: the record page (random caseload residents, the
busiest 1% by timeline length, and residents the user knows only through a referral, so the
access check tries every kind of relationship), the timeline (all kinds, filtered by kind, an older page), the
practitioner's own caseload, the team caseload (default sort, sorted by risk, filtered by band),
the caseload of all the user's teams, the task inbox, and resident search by name, NHS number,
date of birth and postcode. Each page gets ``--warmup`` unmeasured requests, then ``--requests``
measured ones with random residents, teams and users; it prints p50/p95/p99/max latency, the
median time spent waiting on PostgreSQL, the median Python CPU time (which a busy shared machine
inflates less than wall time) and the SQL statements per request.

``--profile NAME`` prints, for one request of that page, every statement with its time and the
EXPLAIN (ANALYZE, BUFFERS) of the slowest ones.
"""

import argparse
import datetime as dt
import json
import os
import platform
import random
import statistics
import subprocess
import sys
import time
from urllib.parse import urlencode

parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
parser.add_argument("--residents", type=int, default=1_000_000)
parser.add_argument("--database", default="octopus_carebench")
parser.add_argument("--server", default="postgresql://postgres@127.0.0.1:5432")
parser.add_argument(
    "--reuse", action="store_true", help="keep the existing database (migrate it) instead of building it"
)
parser.add_argument("--build-only", action="store_true", help="build the database and stop")
parser.add_argument("--requests", type=int, default=200)
parser.add_argument("--warmup", type=int, default=20)
parser.add_argument("--only", default="", help="comma-separated page names to measure")
parser.add_argument("--profile", default="", help="print the statements and plans of one request of this page")
parser.add_argument("--json", default="", help="also write the results to this file")
args = parser.parse_args()

DATABASE_URL = f"{args.server}/{args.database}"
os.environ.pop("OCTOPUS_TEST_DATABASE_URL", None)
os.environ["OCTOPUS_DATABASE_URL"] = DATABASE_URL
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "octopus.settings.test")

import psycopg  # noqa: E402


def create_database() -> None:
    with psycopg.connect(f"{args.server}/postgres", autocommit=True) as admin:
        if admin.execute("SELECT 1 FROM pg_database WHERE datname = %s", [args.database]).fetchone():
            admin.execute(f'DROP DATABASE "{args.database}" WITH (FORCE)')
        admin.execute(f'CREATE DATABASE "{args.database}"')


if not args.reuse:
    create_database()

import django  # noqa: E402

django.setup()

import care_population as population  # noqa: E402
from care_population import say, step  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.db.models import Count, Q  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import setup_test_environment  # noqa: E402
from django.urls import reverse  # noqa: E402
from django.utils import timezone  # noqa: E402

from octopus.accounts.models import Membership, User  # noqa: E402
from octopus.care.models import Case, Referral  # noqa: E402
from octopus.governance import access  # noqa: E402
from octopus.residents.models import ActivityEvent, Resident  # noqa: E402

pick = random.Random(population.SEED + 1)


# --- measuring ------------------------------------------------------------------------------------


class Statements:
    """Counts the SQL statements of a request and the time spent waiting for them."""

    def __init__(self):
        self.count, self.seconds, self.log, self.keep, self.cpu = 0, 0.0, [], False, 0.0

    def __call__(self, execute, sql, params, many, context):
        started = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            elapsed = time.perf_counter() - started
            self.count += 1
            self.seconds += elapsed
            if self.keep:
                self.log.append((elapsed, sql, params))

    def reset(self, keep=False):
        self.count, self.seconds, self.log, self.keep = 0, 0.0, [], keep


class Fixture:
    """Who may open what, read once from the built database."""

    def __init__(self):
        open_cases = list(
            Case.objects.filter(closed_at__isnull=True).values_list(
                "resident__person_id", "team_id", "holder_id", "resident_id"
            )
        )
        self.members: dict[int, list[int]] = {}
        for user_id, team_id in Membership.objects.filter(
            role__in=["clinician", "care_coordinator", "social_worker", "social_prescriber", "vcse_worker"]
        ).values_list("user_id", "team_id"):
            self.members.setdefault(team_id, []).append(user_id)
        self.open_cases = [c for c in open_cases if c[1] in self.members]
        self.teams = sorted({c[1] for c in self.open_cases})
        self.holders = sorted({c[2] for c in self.open_cases if c[2]})
        self.users = sorted({u for members in self.members.values() for u in members})
        counts = dict(
            ActivityEvent.objects.filter(resident_id__in=[c[3] for c in self.open_cases])
            .values_list("resident_id")
            .annotate(n=Count("id"))
            .values_list("resident_id", "n")
        )
        self.events = counts
        busiest = sorted(self.open_cases, key=lambda c: -counts.get(c[3], 0))
        self.busiest = busiest[: max(20, len(busiest) // 100)]
        self.demographics = {
            r["pk"]: r
            for r in Resident.objects.filter(pk__in=[c[3] for c in self.open_cases]).values(
                "pk", "given_name", "family_name", "nhs_number", "date_of_birth", "postcode"
            )
        }
        self.bands = sorted(
            set(
                Resident.objects.filter(pk__in=[c[3] for c in self.open_cases])
                .exclude(risk_band="")
                .values_list("risk_band", flat=True)
            )
        )
        self.referred = self._referred_only()
        self._clients: dict[int, Client] = {}

    def _referred_only(self, wanted: int = 300) -> list[tuple[str, int]]:
        """(person id, user id) where the user's only relationship is a live referral to their
        team: the access check then tries every kind of relationship before it finds one."""
        live = Referral.objects.filter(
            Q(status__in=["sent", "accepted", "first_contact"])
            | Q(closed_at__gte=timezone.now() - dt.timedelta(days=30))
        )
        candidates = list(live.values_list("resident__person_id", "resident_id", "to_team_id"))
        pick.shuffle(candidates)
        pairs, users = [], {}
        for person_id, resident_id, team_id in candidates:
            if team_id not in self.members or len(pairs) >= wanted:
                continue
            user_id = pick.choice(self.members[team_id])
            user = users.setdefault(user_id, User.objects.get(pk=user_id))
            if (access.basis_for(user, Resident(pk=resident_id)) or "").startswith("Referred"):
                pairs.append((person_id, user_id))
        return pairs

    def client(self, user_id: int) -> Client:
        if user_id not in self._clients:
            client = Client()
            if self._clients:
                # One application for every user, as in a server process: a handler per client
                # loads the middleware again (WhiteNoise indexes the static files each time) and
                # the growing heap made Python's full garbage collections take up to 0.5 s.
                client.handler = next(iter(self._clients.values())).handler
            client.force_login(User.objects.get(pk=user_id))
            self._clients[user_id] = client
        return self._clients[user_id]

    def case_and_user(self, pool):
        person_id, team_id, holder_id, resident_id = pick.choice(pool)
        user = holder_id if holder_id and pick.random() < 0.5 else pick.choice(self.members[team_id])
        return person_id, resident_id, user


def scenarios(f: Fixture) -> dict:
    """Each page: a function returning (user id, URL) for one random request."""

    def record():
        pid, _, user = f.case_and_user(f.open_cases)
        return user, reverse("residents:record", args=[pid])

    def record_by_referral():
        pid, user = pick.choice(f.referred)
        return user, reverse("residents:record", args=[pid])

    def record_busiest():
        pid, _, user = f.case_and_user(f.busiest)
        return user, reverse("residents:record", args=[pid])

    def timeline():
        pid, _, user = f.case_and_user(f.open_cases)
        return user, reverse("residents:timeline", args=[pid])

    def timeline_filtered():
        pid, _, user = f.case_and_user(f.open_cases)
        kinds = pick.sample(["gp", "ae", "community", "admission", "outpatient"], pick.randint(1, 2))
        return user, reverse("residents:timeline", args=[pid]) + "?" + "&".join(f"kind={k}" for k in kinds)

    def timeline_older_page():
        pid, rid, user = f.case_and_user(f.busiest)
        pages = max(1, -(-f.events.get(rid, 0) // 25))
        return user, reverse("residents:timeline", args=[pid]) + f"?page={pick.randint(2, max(2, pages))}"

    def my_caseload():
        return pick.choice(f.holders), reverse("care:caseload") + "?holder=me"

    def team(query=""):
        def make():
            team_id = pick.choice(f.teams)
            extra = query() if callable(query) else query
            return pick.choice(f.members[team_id]), reverse("care:caseload") + f"?team={team_id}{extra}"

        return make

    def inbox():
        return pick.choice(f.users), reverse("care:inbox")

    def search(kind):
        def make():
            pid, rid, user = f.case_and_user(f.open_cases)
            r = f.demographics[rid]
            q = {
                "name": r["family_name"] if pick.random() < 0.5 else f"{r['given_name']} {r['family_name']}",
                "nhs_number": r["nhs_number"],
                "date_of_birth": r["date_of_birth"].strftime("%d/%m/%Y"),
                "postcode": r["postcode"],
            }[kind]
            return user, reverse("residents:search") + "?" + urlencode({"q": q})

        return make

    return {
        "record": record,
        "record_busiest_1pct": record_busiest,
        "record_by_referral": record_by_referral,
        "timeline": timeline,
        "timeline_filtered": timeline_filtered,
        "timeline_older_page": timeline_older_page,
        "my_caseload": my_caseload,
        "team_caseload": team(),
        "team_caseload_by_risk": team("&sort=band"),
        "team_caseload_band_filter": team(lambda: f"&band={pick.choice(f.bands)}"),
        "all_my_teams_caseload": lambda: (pick.choice(f.users), reverse("care:caseload")),
        "inbox": inbox,
        "search_name": search("name"),
        "search_nhs_number": search("nhs_number"),
        "search_date_of_birth": search("date_of_birth"),
        "search_postcode": search("postcode"),
    }


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    rank = q / 100 * (len(ordered) - 1)
    low = int(rank)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (rank - low)


def get(f: Fixture, statements: Statements, user: int, url: str):
    client = f.client(user)
    statements.reset()
    cpu = time.process_time()
    started = time.perf_counter()
    response = client.get(url)
    elapsed = time.perf_counter() - started
    statements.cpu = time.process_time() - cpu
    if response.status_code != 200:
        raise SystemExit(f"GET {url} as user {user} answered {response.status_code}: {response.content[:500]!r}")
    return elapsed


def measure(f: Fixture, statements: Statements, name: str, make) -> dict:
    for _ in range(args.warmup):
        get(f, statements, *make())
    times, queries, db, cpu = [], [], [], []
    for _ in range(args.requests):
        times.append(get(f, statements, *make()) * 1000)
        queries.append(statements.count)
        db.append(statements.seconds * 1000)
        cpu.append(statements.cpu * 1000)
    result = {
        "page": name,
        "n": len(times),
        "p50": percentile(times, 50),
        "p95": percentile(times, 95),
        "p99": percentile(times, 99),
        "max": max(times),
        "db_p50": statistics.median(db),
        "cpu_p50": statistics.median(cpu),
        "queries_median": statistics.median(queries),
        "queries_max": max(queries),
    }
    say(
        f"{name:28} p50 {result['p50']:7.1f}  p95 {result['p95']:7.1f}  p99 {result['p99']:7.1f}"
        f"  max {result['max']:7.1f} ms"
        f"  | waiting on SQL {result['db_p50']:6.1f} ms, Python CPU {result['cpu_p50']:6.1f} ms, "
        f"{result['queries_median']:.0f} statements (max {result['queries_max']})"
    )
    return result


def profile(f: Fixture, statements: Statements, name: str, make) -> None:
    user, url = make()
    get(f, statements, user, url)  # warm
    statements.reset(keep=True)
    client = f.client(user)
    started = time.perf_counter()
    client.get(url)
    say(
        f"profile {name}: GET {url} in {(time.perf_counter() - started) * 1000:.1f} ms, {statements.count} statements, "
        f"{statements.seconds * 1000:.1f} ms in SQL"
    )
    log = list(statements.log)
    statements.reset()
    for elapsed, sql, _params in log:
        print(f"  {elapsed * 1000:7.2f} ms  {sql[:220]}")
    for elapsed, sql, params in sorted(log, key=lambda entry: -entry[0])[:3]:
        if not sql.lstrip().upper().startswith("SELECT"):
            continue
        with connection.cursor() as cursor:
            cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + sql, params)
            print(f"\n--- {elapsed * 1000:.2f} ms: {sql}\n" + "\n".join(row[0] for row in cursor.fetchall()))


def load_average() -> str:
    return subprocess.run(["uptime"], capture_output=True, text=True).stdout.strip()


def main() -> None:
    setup_test_environment()
    started = time.perf_counter()
    if args.reuse:
        with step("migrate the existing database"):
            call_command("migrate", verbosity=1)
        with step("ANALYZE"):
            with psycopg.connect(DATABASE_URL, autocommit=True) as raw:
                raw.execute("ANALYZE")
    else:
        population.build(args.residents, DATABASE_URL)
    counts = population.row_counts()
    say("rows: " + ", ".join(f"{table} {count:,}" for table, count in counts.items()))
    if args.build_only:
        return
    f = Fixture()
    say(
        f"{len(f.open_cases):,} open cases across {len(f.teams)} teams, {len(f.users)} practitioners, "
        f"busiest 1% of caseload residents have {min(f.events.get(c[3], 0) for c in f.busiest)}+ events"
    )
    statements = Statements()
    pages = scenarios(f)
    wanted = [name for name in args.only.split(",") if name] or list(pages)
    with connection.execute_wrapper(statements):
        if args.profile:
            profile(f, statements, args.profile, pages[args.profile])
            return
        before = load_average()
        say(f"load before measuring: {before}")
        results = [measure(f, statements, name, pages[name]) for name in wanted]
        after = load_average()
        say(f"load after measuring: {after}")
    with connection.cursor() as cursor:
        cursor.execute("SELECT version()")
        server = cursor.fetchone()[0]
    summary = {
        "date": dt.date.today().isoformat(),
        "host": platform.node(),
        "python": platform.python_version(),
        "server": server,
        "cpus": os.cpu_count(),
        "residents": args.residents,
        "rows": counts,
        "load_before": before,
        "load_after": after,
        "requests": args.requests,
        "warmup": args.warmup,
        "results": results,
        "total_seconds": time.perf_counter() - started,
    }
    print()
    print(
        "| page | p50 ms | p95 ms | p99 ms | max ms | waiting on SQL ms (p50) | Python CPU ms (p50) "
        "| statements (median / max) |"
    )
    print("|---|---|---|---|---|---|---|---|")
    for r in results:
        print(
            f"| {r['page']} | {r['p50']:.0f} | {r['p95']:.0f} | {r['p99']:.0f} | {r['max']:.0f} "
            f"| {r['db_p50']:.0f} | {r['cpu_p50']:.0f} | {r['queries_median']:.0f} / {r['queries_max']} |"
        )
    if args.json:
        with open(args.json, "w") as out:
            json.dump(summary, out, indent=2, default=str)


if __name__ == "__main__":
    sys.exit(main())
