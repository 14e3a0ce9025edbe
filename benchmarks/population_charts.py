"""Latency of the Population chart pages on a 1,000,000-resident snapshot (target: p95 under 500 ms).

Usage:
    PYTHONPATH=src python -u benchmarks/population_charts.py SNAPSHOT_RESIDENTS.parquet [--residents 1000000]
        [--snapshots 2] [--requests 20] [--warmup 2]

Tiles a real pipeline snapshot's residents.parquet (e.g. the demo's) up to ``--residents`` rows
with fresh person ids, writes ``--snapshots`` snapshots of it (the trend charts read each), and
opens each page through Django's test client (middleware, session, capability check, Jinja),
logged in as an analyst, on an SQLite database in a temporary folder. Prints p50/p95/max in ms.
"""

import argparse
import datetime as dt
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
args = parser.parse_args()

work = Path(tempfile.mkdtemp(prefix="octopus-charts-bench-"))
os.environ.update(OCTOPUS_ENV="demo", OCTOPUS_DATA_DIR=str(work), DJANGO_SETTINGS_MODULE="octopus.settings.test")

import django  # noqa: E402

django.setup()
import pandas as pd  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.test import Client  # noqa: E402

from octopus.insights.testing import write_snapshot  # noqa: E402

from django.test.utils import setup_test_environment  # noqa: E402

setup_test_environment()  # the test client's host, as in the test suite
call_command("migrate", verbosity=0)
source = pd.read_parquet(args.source)
copies = -(-args.residents // len(source))
frame = pd.concat([source] * copies, ignore_index=True).iloc[: args.residents].copy()
frame["person_id"] = [f"B{i:09d}" for i in range(len(frame))]
as_of = dt.date(2026, 11, 1)
for k in range(args.snapshots):
    folder = work / "snapshots" / f"run{k}"
    folder.mkdir(parents=True)
    write_snapshot(folder, [], run_id=f"2026110{k}T000000Z-bench", as_of=as_of - dt.timedelta(days=30 * (args.snapshots - 1 - k)))
    frame.to_parquet(folder / "residents.parquet", index=False)
from octopus.accounts.models import Membership, User  # noqa: E402
from octopus.directory.models import Organisation, Team  # noqa: E402

organisation = Organisation.objects.create(name="Bench", heart="health")
team = Team.objects.create(organisation=organisation, name="Bench team", tier="consistent")
user = User.objects.create_user(username="bench", password="x")
Membership.objects.create(user=user, team=team, role="analyst")
client = Client()
client.force_login(user)
pages = {"overview": "/population/", "cost concentration": "/population/cost/", "practice funnel": "/population/practices/?peers=all",
         "map (high risk)": "/population/map/?indicator=high-risk", "overview CSV": "/population/?csv=age-sex",
         "capitation (PCNs, weights from the data)": "/population/capitation/"}
if os.environ.get("BENCH_PAGES"):  # e.g. BENCH_PAGES="cost,capitation": only the pages whose name contains one
    wanted = os.environ["BENCH_PAGES"].split(",")
    pages = {name: url for name, url in pages.items() if any(w in name for w in wanted)}
load = os.getloadavg()[0]
print(f"{len(frame):,} residents x {args.snapshots} snapshots; {platform.node()}, {os.cpu_count()} cores, load {load:.1f}")
for name, url in pages.items():
    for _ in range(args.warmup):
        response = client.get(url)
        assert response.status_code == 200, (url, response.status_code, response.get("Location"))
    times = []
    for _ in range(args.requests):
        start = time.perf_counter()
        response = client.get(url)
        times.append((time.perf_counter() - start) * 1000)
        assert response.status_code == 200
    times.sort()
    p95 = times[max(0, int(round(0.95 * len(times))) - 1)]
    print(f"| {name} | {statistics.median(times):,.0f} | {p95:,.0f} | {times[-1]:,.0f} |")
sys.exit(0)
