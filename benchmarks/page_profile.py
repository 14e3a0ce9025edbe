"""Where a page's server time goes: pyinstrument over requests made in-process, production settings.

Usage (the database of ``care_latency.py --build-only`` prepared by ``locust_setup.py``):
    OCTOPUS_DATABASE_URL=postgresql://postgres@127.0.0.1:5432/NAME OCTOPUS_SECRET_KEY=... \\
    PYTHONPATH=src python benchmarks/page_profile.py record [--requests 30] [--html out.html] [--sql]

Signs in practitioners from the fixture (``--fixture``) with Django's test client (over HTTPS as
the proxy would forward it), warms up, then profiles ``--requests`` requests of the page and
prints the call tree (or writes HTML); ``--sql`` also prints each statement of one request. A
profile shows where CPU goes; the figures to report come from ``page_cpu.py`` over HTTP.
"""

import argparse
import json
import os
import random
import time

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "octopus.settings.production")
import django  # noqa: E402

django.setup()

from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from pyinstrument import Profiler  # noqa: E402

from octopus.accounts.models import User  # noqa: E402

parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
parser.add_argument("page", choices=["record", "caseload", "worklist"])
parser.add_argument("--fixture", default="/tmp/pages-work/practitioners.json")
parser.add_argument("--requests", type=int, default=30)
parser.add_argument("--html", default="")
parser.add_argument("--sql", action="store_true")
parser.add_argument(
    "--cpu",
    action="store_true",
    help="cProfile on CPU time instead of pyinstrument's wall clock (a busy machine makes waiting dominate)",
)
args = parser.parse_args()

pick = random.Random(1)
fixture = json.load(open(args.fixture))
care = [p for p in fixture["practitioners"] if p["residents"] and (p["meetings"] or args.page != "worklist")][:12]
clients = {}
for person in care:
    client = Client(HTTP_HOST="127.0.0.1")
    if clients:
        client.handler = next(iter(clients.values())).handler  # one application, as in a server process
    client.force_login(User.objects.get(username=person["username"]))
    clients[person["username"]] = client


def one():
    person = pick.choice(care)
    path = {
        "record": lambda: f"/residents/{pick.choice(person['residents'])}/",
        "caseload": lambda: f"/caseload/?team={pick.choice(person['teams'])}",
        "worklist": lambda: f"/meetings/{pick.choice(person['meetings'])}/",
    }[args.page]()
    response = clients[person["username"]].get(path, secure=True)
    assert response.status_code == 200, (path, response.status_code)


for _ in range(10):
    one()
if args.sql:
    statements = []

    def log(execute, sql, params, many, context):
        started = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            statements.append((time.perf_counter() - started, sql))

    with connection.execute_wrapper(log):
        one()
    for elapsed, sql in statements:
        print(f"{elapsed * 1000:6.1f} ms  {sql[:300]}")
    print(f"{len(statements)} statements")
if args.cpu:
    import cProfile
    import pstats

    cpu_profile = cProfile.Profile(time.process_time)
    started = time.process_time()
    cpu_profile.enable()
    for _ in range(args.requests):
        one()
    cpu_profile.disable()
    print(
        "CPU per request (in-process, client included): "
        f"{(time.process_time() - started) / args.requests * 1000:.1f} ms"
    )
    # PROFILE_SORT=tottime shows where the time is spent rather than under which call.
    stats = pstats.Stats(cpu_profile).sort_stats(os.environ.get("PROFILE_SORT", "cumulative"))
    stats.print_stats(int(os.environ.get("PROFILE_LINES", "60")))
    # PROFILE_CALLEES=openable_among: what one function's time is made of.
    if os.environ.get("PROFILE_CALLEES"):
        stats.print_callees(os.environ["PROFILE_CALLEES"])
    raise SystemExit(0)
profiler = Profiler(interval=0.0005)
started = time.process_time()
profiler.start()
for _ in range(args.requests):
    one()
profiler.stop()
print(f"CPU per request (in-process, client included): {(time.process_time() - started) / args.requests * 1000:.1f} ms")
if args.html:
    open(args.html, "w").write(profiler.output_html())
else:
    print(profiler.output_text(unicode=True, color=False, show_all=False))
