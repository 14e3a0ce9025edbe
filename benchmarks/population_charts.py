"""Latency of the Population chart pages on a 1,000,000-resident snapshot (target: p95 under 500 ms).

Usage:
    PYTHONPATH=src python -u benchmarks/population_charts.py SNAPSHOT_RESIDENTS.parquet [--residents 1000000]
        [--snapshots 2] [--requests 20] [--warmup 2] [--places PERSONS.parquet] [--spread-costs]
        [--linked LINKED_DIR --treated 2000] [--no-chart-tables]

Tiles a real pipeline snapshot's residents.parquet (e.g. the demo's) up to ``--residents`` rows
with fresh person ids, writes ``--snapshots`` snapshots of it (the trend charts read each) with
their chart tables made by the pipeline's own step (``population.chart_tables``; timed, and
left out with ``--no-chart-tables`` to measure the fallback for older snapshots), and opens each
page through Django's test client (middleware, session, capability check, Jinja), logged in as
an analyst, on an SQLite database in a temporary folder. Prints p50/p95/max in ms.

The chart tables are as big as the number of distinct places (LSOA x practice x registered) and
costs, which tiling a small snapshot would keep small. ``--places`` takes each resident's LSOA,
practice, age, sex and IMD decile from a Synthetic London ground-truth ``persons.parquet`` of as
many people (the 1M welc preset has 500 LSOAs and 302 practices, 18,594 pairs), and
``--spread-costs`` multiplies each non-zero cost by a log-normal factor rounded to pence, so
nearly every cost is distinct: the worst case for the cost distribution table.

The INT impact page needs a linked extract and residents taken on: ``--linked`` names one
(``population.simulate.simulate_linked_at_scale``), whose person ids the tiled residents take,
and ``--treated`` opens that many cases (index dates spread over 2025) in the database.
"""

import argparse
import datetime as dt
import json
import os
import platform
import statistics
import sys
import tempfile
import time
from pathlib import Path

parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
parser.add_argument("source")
parser.add_argument("--residents", type=int, default=1_000_000)
parser.add_argument("--snapshots", type=int, default=2)
parser.add_argument("--requests", type=int, default=20)
parser.add_argument("--warmup", type=int, default=2)
parser.add_argument("--places")
parser.add_argument("--spread-costs", action="store_true")
parser.add_argument("--linked")
parser.add_argument("--treated", type=int, default=2000)
parser.add_argument("--no-chart-tables", action="store_true")
args = parser.parse_args()

work = Path(tempfile.mkdtemp(prefix="octopus-charts-bench-"))
os.environ.update(OCTOPUS_ENV="demo", OCTOPUS_DATA_DIR=str(work), DJANGO_SETTINGS_MODULE="octopus.settings.test")

import django  # noqa: E402

django.setup()
import pandas as pd  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import setup_test_environment  # noqa: E402

from octopus.insights.models import PublishedSnapshot  # noqa: E402
from octopus.insights.testing import write_snapshot  # noqa: E402

setup_test_environment()  # the test client's host, as in the test suite
call_command("migrate", verbosity=0)
source = pd.read_parquet(args.source)
copies = -(-args.residents // len(source))
frame = pd.concat([source] * copies, ignore_index=True).iloc[: args.residents].copy()
if args.linked:
    linked_ids = pd.read_parquet(Path(args.linked) / "persons.parquet", columns=["person_id"])["person_id"]
    assert len(linked_ids) >= len(frame), "the linked extract needs at least as many people as --residents"
    frame["person_id"] = linked_ids.iloc[: len(frame)].to_numpy()
else:
    frame["person_id"] = [f"B{i:09d}" for i in range(len(frame))]
if args.places:
    places = pd.read_parquet(args.places, columns=["lsoa_code", "practice_code", "age", "sex", "imd_decile"]).iloc[
        : len(frame)
    ]
    frame["lsoa_code"] = places["lsoa_code"].to_numpy()
    frame["practice_ods_code"] = places["practice_code"].to_numpy()
    frame["age"] = places["age"].to_numpy()
    frame["sex"] = places["sex"].to_numpy()
    frame["imd_decile"] = places["imd_decile"].to_numpy()
if args.spread_costs:
    import numpy as np

    rng = np.random.default_rng(1)
    for column in ("prior_cost", "hospital_cost"):
        if column in frame.columns:
            frame[column] = (frame[column] * rng.lognormal(0, 0.5, len(frame))).round(2)
as_of = dt.date(2026, 11, 1)
for k in range(args.snapshots):
    folder = work / "snapshots" / f"run{k}"
    folder.mkdir(parents=True)
    write_snapshot(
        folder, [], run_id=f"2026110{k}T000000Z-bench", as_of=as_of - dt.timedelta(days=30 * (args.snapshots - 1 - k))
    )
    frame.to_parquet(folder / "residents.parquet", index=False)
    if args.linked:
        manifest = json.loads((folder / "manifest.json").read_text())
        manifest["linked_extract"] = {"directory": str(Path(args.linked).resolve())}
        (folder / "manifest.json").write_text(json.dumps(manifest))
        PublishedSnapshot.objects.filter(run_id=manifest["run_id"]).update(manifest=manifest)
    if not args.no_chart_tables:
        from octopus.population import engines
        from octopus.population.chart_tables import write_chart_tables

        start = time.perf_counter()
        con = engines.connect()
        rows = write_chart_tables(con, con.read_parquet(str(folder / "residents.parquet")), folder / "charts")
        print(f"chart tables for snapshot {k}: {time.perf_counter() - start:.1f} s, rows {rows}")
from octopus.accounts.models import Membership, User  # noqa: E402
from octopus.directory.models import Organisation, Team  # noqa: E402

organisation = Organisation.objects.create(name="Bench", heart="health")
team = Team.objects.create(organisation=organisation, name="Bench team", tier="consistent")
user = User.objects.create_user(username="bench", password="x")
Membership.objects.create(user=user, team=team, role="analyst")
if args.linked:
    from django.utils import timezone

    from octopus.care.models import Case
    from octopus.residents.models import Resident

    opened = [
        timezone.make_aware(dt.datetime(2025, 1, 1, 10) + dt.timedelta(days=i % 300)) for i in range(args.treated)
    ]
    treated = frame["person_id"].iloc[:: max(1, len(frame) // args.treated)].iloc[: args.treated]
    residents = Resident.objects.bulk_create(
        [Resident(person_id=pid, given_name="A", family_name="B") for pid in treated]
    )
    Case.objects.bulk_create(
        [
            Case(resident=r, team=team, source="referral", opened_at=when)
            for r, when in zip(residents, opened, strict=True)
        ]
    )
client = Client()
client.force_login(user)
pages = {
    "overview": "/population/",
    "cost concentration": "/population/cost/",
    "practice funnel": "/population/practices/?peers=all",
    "map (high risk)": "/population/map/?indicator=high-risk",
    "overview CSV": "/population/?csv=age-sex",
    "capitation (PCNs, weights from the data)": "/population/capitation/",
    "deprivation": "/population/deprivation/",
    "INT impact (12 months)": "/population/impact/",
    "INT impact (6 months)": "/population/impact/?months=6",
}
if os.environ.get("BENCH_PAGES"):  # e.g. BENCH_PAGES="cost,capitation": only the pages whose name contains one
    wanted = os.environ["BENCH_PAGES"].split(",")
    pages = {name: url for name, url in pages.items() if any(w in name for w in wanted)}
load = os.getloadavg()[0]
print(
    f"{len(frame):,} residents x {args.snapshots} snapshots; {platform.node()}, {os.cpu_count()} cores, load {load:.1f}"
)
for name, url in pages.items():
    for _ in range(args.warmup):
        start = time.perf_counter()
        response = client.get(url)
        print(f"  warm-up {name}: {(time.perf_counter() - start) * 1000:,.0f} ms")
        assert response.status_code == 200, (url, response.status_code, response.get("Location"))
    times, cpu = [], []
    for _ in range(args.requests):
        start, start_cpu = time.perf_counter(), time.process_time()
        response = client.get(url)
        times.append((time.perf_counter() - start) * 1000)
        # CPU time of this process for the request: on a machine shared by many, wall time is
        # mostly waiting for a core; CPU time is what the request itself costs.
        cpu.append((time.process_time() - start_cpu) * 1000)
        assert response.status_code == 200
    times.sort()
    cpu.sort()

    def p95(values):
        return values[max(0, int(round(0.95 * len(values))) - 1)]

    print(
        f"| {name} | {statistics.median(times):,.0f} | {p95(times):,.0f} | {times[-1]:,.0f} | "
        f"{statistics.median(cpu):,.0f} | {p95(cpu):,.0f} | load {os.getloadavg()[0]:.1f} |"
    )
sys.exit(0)
