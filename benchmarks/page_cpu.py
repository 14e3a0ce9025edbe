"""Server CPU per request of the record, caseload and meeting worklist pages, over HTTP.

Usage (``octopus serve`` running on the database of ``care_latency.py --build-only`` prepared by
``locust_setup.py``; PID is the ``octopus serve`` process):
    python benchmarks/page_cpu.py --base http://127.0.0.1:8765 --server-pid PID \\
        --fixture /tmp/pages-work/practitioners.json [--requests 200] [--warmup 20] [--repeat 3] [--json out.json]

Practitioners sign in over HTTP (their own accounts, each opening only residents on their teams'
caseloads and meetings of their series), then each page is requested ``--requests`` times one at
a time with random residents, teams and meetings. **CPU per request** is the CPU time (user +
system, from /proc via psutil) of the server's web processes, the gunicorn master and workers
(the task worker left out), over the measured requests, divided by their number: what a request
costs the server, whatever else the machine runs. Latency p50/p95 is the client's wall time,
which a loaded machine inflates. Each page is measured ``--repeat`` times; the median and range
are printed. Loopback only.
"""

import argparse
import ipaddress
import json
import random
import re
import statistics
import subprocess
import time
from urllib.parse import urlparse

import psutil
import requests

parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
parser.add_argument("--base", default="http://127.0.0.1:8765")
parser.add_argument("--server-pid", type=int, required=True)
parser.add_argument("--fixture", default="/tmp/pages-work/practitioners.json")
parser.add_argument("--requests", type=int, default=200)
parser.add_argument("--warmup", type=int, default=20)
parser.add_argument("--repeat", type=int, default=3)
parser.add_argument("--pages", default="record,caseload,worklist")
parser.add_argument("--users", type=int, default=12, help="practitioners signed in and used in turn")
parser.add_argument("--json", default="")
args = parser.parse_args()
if not ipaddress.ip_address(urlparse(args.base).hostname).is_loopback:
    raise SystemExit("page_cpu.py measures a server on loopback only.")

CSRF = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
pick = random.Random(20261204)
fixture = json.load(open(args.fixture))


def web_processes() -> list[psutil.Process]:
    server = psutil.Process(args.server_pid)
    return [p for p in [server, *server.children(recursive=True)] if "task_worker" not in " ".join(p.cmdline())]


def cpu_seconds(processes) -> float:
    total = 0.0
    for p in processes:
        try:
            times = p.cpu_times()
            total += times.user + times.system
        except psutil.NoSuchProcess:
            pass
    return total


def sign_in(username: str) -> requests.Session:
    session = requests.Session()
    token = CSRF.search(session.get(args.base + "/accounts/login/").text).group(1)
    response = session.post(
        args.base + "/accounts/login/",
        allow_redirects=False,
        headers={"Referer": args.base + "/accounts/login/"},
        data={"username": username, "password": fixture["password"], "csrfmiddlewaretoken": token},
    )
    if response.status_code != 302:
        raise SystemExit(f"Could not sign in as {username}: HTTP {response.status_code}")
    return session


care = [p for p in fixture["practitioners"] if p["residents"]]
meeting_people = [p for p in care if p["meetings"]]
chosen = pick.sample(care, min(args.users, len(care)))
chosen_meetings = pick.sample(meeting_people, min(args.users, len(meeting_people)))
sessions = {
    p["username"]: sign_in(p["username"]) for p in {p["username"]: p for p in chosen + chosen_meetings}.values()
}

PAGES = {
    "record": lambda: (p := pick.choice(chosen), f"/residents/{pick.choice(p['residents'])}/"),
    "caseload": lambda: (p := pick.choice(chosen), f"/caseload/?team={pick.choice(p['teams'])}"),
    "worklist": lambda: (p := pick.choice(chosen_meetings), f"/meetings/{pick.choice(p['meetings'])}/"),
}


def run(name: str, count: int) -> tuple[list[float], float]:
    processes = web_processes()
    before = cpu_seconds(processes)
    walls = []
    for _ in range(count):
        person, path = PAGES[name]()
        started = time.perf_counter()
        response = sessions[person["username"]].get(args.base + path, allow_redirects=False)
        walls.append(time.perf_counter() - started)
        if response.status_code != 200:
            raise SystemExit(f"{name}: {path} as {person['username']} answered HTTP {response.status_code}")
    return walls, (cpu_seconds(processes) - before) / count


def uptime() -> str:
    return subprocess.run(["uptime"], capture_output=True, text=True).stdout.strip()


results = {"load_before": uptime(), "pages": {}}
for name in args.pages.split(","):
    run(name, args.warmup)
    rounds = []
    for _ in range(args.repeat):
        walls, cpu = run(name, args.requests)
        walls.sort()
        rounds.append(
            {
                "cpu_ms": cpu * 1000,
                "p50_ms": statistics.median(walls) * 1000,
                "p95_ms": walls[int(0.95 * (len(walls) - 1))] * 1000,
            }
        )
    cpus = [r["cpu_ms"] for r in rounds]
    results["pages"][name] = {
        "rounds": rounds,
        "cpu_ms_median": statistics.median(cpus),
        "cpu_ms_range": [min(cpus), max(cpus)],
        "p50_ms_median": statistics.median(r["p50_ms"] for r in rounds),
        "p95_ms_median": statistics.median(r["p95_ms"] for r in rounds),
    }
    r = results["pages"][name]
    print(
        f"{name}: CPU/request {r['cpu_ms_median']:.1f} ms (range {min(cpus):.1f}–{max(cpus):.1f}), "
        f"p50 {r['p50_ms_median']:.0f} ms, p95 {r['p95_ms_median']:.0f} ms over {args.repeat}×{args.requests}",
        flush=True,
    )
results["load_after"] = uptime()
print(results["load_before"], "→", results["load_after"])
if args.json:
    json.dump(results, open(args.json, "w"), indent=2)
