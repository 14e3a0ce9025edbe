"""Latency from an observation arriving to its alert being visible on the ward board, with 200
residents on the virtual ward and observations arriving concurrently (issue #19).

Usage:
    PYTHONPATH=src python -u benchmarks/virtualward_alert_latency.py [--residents 200] [--senders 8]
        [--via json|fhir] [--database octopus_wardbench] [--json results.json]

Builds a PostgreSQL database (dropped and made again), a ward team with a nurse and a device service
account (scope system/Observation.c), and admits ``--residents`` residents. Each resident first gets
a normal set (NEWS2 0) through the JSON API. Then ``--senders`` threads, each with its own client
and database connection, post one deteriorating set per resident (NEWS2 9) as a device would, all at
once: through the JSON API (``--via json``) or as a FHIR transaction Bundle of seven vital-signs
Observations (``--via fhir``, ``POST /api/fhir/``, decision 0053); for each, the clock runs from
just before the POST until the board's table (the fragment htmx polls, as the nurse) contains that
alert. Prints p50/p95/max of that latency, of the POST alone and of one board fetch, and the
machine's load average.
"""

import argparse
import datetime as dt
import json
import os
import platform
import statistics
import sys
import threading
import time

parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
parser.add_argument("--residents", type=int, default=200)
parser.add_argument("--senders", type=int, default=8)
parser.add_argument("--database", default="octopus_wardbench")
parser.add_argument("--server", default="postgresql://postgres@127.0.0.1:5432")
parser.add_argument("--json", default="")
parser.add_argument("--via", choices=("json", "fhir"), default="json")
args = parser.parse_args()

os.environ.pop("OCTOPUS_TEST_DATABASE_URL", None)
os.environ["OCTOPUS_DATABASE_URL"] = f"{args.server}/{args.database}"
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "octopus.settings.test")
# Audit checkpoints are on, at the shipped interval, written to a folder of this run's own.
import tempfile  # noqa: E402

os.environ["OCTOPUS_AUDIT_DIR"] = tempfile.mkdtemp(prefix="vward-bench-audit-")

import psycopg  # noqa: E402

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

setup_test_environment()  # the test client's host and in-memory e-mail; nothing else changes
from django.conf import settings  # noqa: E402

# Checkpoints stay on (one every governance.audit.CHECKPOINT_EVERY entries): the numbering race
# between concurrent writers that once ended this run was fixed in f22c834. The board names 200
# residents a fetch, so a checkpoint falls due every few fetches.
assert not hasattr(settings, "OCTOPUS_AUDIT_CHECKPOINT_EVERY"), "run with the shipped checkpoint interval"
call_command("migrate", verbosity=0)

from octopus.accounts.models import Membership, User  # noqa: E402
from octopus.api.service_accounts import issue  # noqa: E402
from octopus.care import services as care  # noqa: E402
from octopus.directory.models import Organisation, Team  # noqa: E402
from octopus.residents.factories import make_resident  # noqa: E402
from octopus.virtualward import services as ward  # noqa: E402
from octopus.virtualward.models import Alert  # noqa: E402

NORMAL = {
    "respiration_rate": 16,
    "spo2": 97,
    "on_oxygen": False,
    "systolic_bp": 120,
    "pulse": 70,
    "consciousness": "A",
    "temperature": "37.0",
}
WORSE = {**NORMAL, "respiration_rate": 23, "spo2": 93, "systolic_bp": 98, "pulse": 115, "temperature": "38.6"}

started = time.monotonic()
organisation = Organisation.objects.create(name="Community Health Trust", heart="health")
team = Team.objects.create(organisation=organisation, name="Virtual Ward", tier="consistent")
nurse = User.objects.create_user(username="nurse", password="bench-only-password")
Membership.objects.create(user=nurse, team=team, role="clinician")
_account, token = issue("Ward hub", nurse, "system/Observation.c")


def nhs_number(n: int) -> str:
    """The n-th valid NHS number (modulus 11) from 900 000 000: distinct, as a device needs them."""
    stem = 900_000_000 + n
    while True:
        check = 11 - sum(int(d) * w for d, w in zip(f"{stem:09d}", range(10, 1, -1), strict=True)) % 11
        if check != 10:
            return f"{stem:09d}{0 if check == 11 else check}"
        stem += 1_000_000  # no valid check digit for this stem: one far from every other n


residents, nhs_numbers = [], {}
for n in range(args.residents):
    resident = make_resident(nhs_number=nhs_number(n))
    care.open_case(resident, team, nurse, source="search", holder=nurse)
    ward.admit(
        resident,
        team,
        nurse,
        reason="Benchmark",
        expected_discharge_on=timezone.localdate() + dt.timedelta(days=7),
        observations_per_day=3,
    )
    residents.append(resident.person_id)
    nhs_numbers[resident.person_id] = resident.nhs_number
device = Client(HTTP_AUTHORIZATION=f"Bearer {token}")
for person_id in residents:
    response = device.post(
        "/api/virtual-ward/observations", {**NORMAL, "person_id": person_id}, content_type="application/json"
    )
    assert response.status_code == 201, response.content
print(f"set up {args.residents} residents on the ward in {time.monotonic() - started:.1f} s", flush=True)

board_client = Client()
board_client.force_login(nurse)
board_times = []
for _ in range(5):
    t0 = time.perf_counter()
    assert board_client.get("/virtual-ward/board-rows/").status_code == 200
    board_times.append(time.perf_counter() - t0)


def fhir_bundle(nhs_number: str) -> dict:
    """WORSE as a device's transaction Bundle: seven vital-signs Observations taken now."""
    base = {
        "resourceType": "Observation",
        "status": "final",
        "effectiveDateTime": timezone.now().isoformat(),
        "subject": {"identifier": {"system": "https://fhir.nhs.uk/Id/nhs-number", "value": nhs_number}},
    }

    def measured(code, value, unit):
        return {
            **base,
            "code": {"coding": [{"system": "http://loinc.org", "code": code}]},
            "valueQuantity": {"value": value, "system": "http://unitsofmeasure.org", "code": unit},
        }

    resources = [
        measured("9279-1", WORSE["respiration_rate"], "/min"),
        measured("59408-5", WORSE["spo2"], "%"),
        measured("8480-6", WORSE["systolic_bp"], "mm[Hg]"),
        measured("8867-4", WORSE["pulse"], "/min"),
        measured("8310-5", float(WORSE["temperature"]), "Cel"),
        {**base, "code": {"text": "Level of consciousness (ACVPU)"}, "valueString": "Alert"},
        {**base, "code": {"text": "Air or supplemental oxygen"}, "valueString": "Air"},
    ]
    return {
        "resourceType": "Bundle",
        "type": "transaction",
        "entry": [{"resource": r, "request": {"method": "POST", "url": "Observation"}} for r in resources],
    }


latencies, posts = [], []
lock = threading.Lock()
queue = list(residents)


def sender():
    client = Client(HTTP_AUTHORIZATION=f"Bearer {token}")
    viewer = Client()
    viewer.force_login(nurse)
    while True:
        with lock:
            if not queue:
                break
            person_id = queue.pop()
        t0 = time.perf_counter()
        if args.via == "json":
            response = client.post(
                "/api/virtual-ward/observations", {**WORSE, "person_id": person_id}, content_type="application/json"
            )
        else:
            response = client.post(
                "/api/fhir/", json.dumps(fhir_bundle(nhs_numbers[person_id])), content_type="application/fhir+json"
            )
        t1 = time.perf_counter()
        assert response.status_code == 201, response.content
        if args.via == "json":
            alert_id = response.json()["alerts"][0]["id"]
        else:  # the transaction-response says the score, not the alert's id: read it as the board would
            alert_id = Alert.objects.filter(admission__resident__person_id=person_id).latest("pk").pk
        for _attempt in range(100):  # bounded: an alert not visible after 100 board fetches is a failure
            if f'id="alert-{alert_id}"' in viewer.get("/virtual-ward/board-rows/").content.decode():
                break
        else:
            raise SystemExit(f"alert {alert_id} never appeared on the board")
        t2 = time.perf_counter()
        with lock:
            posts.append(t1 - t0)
            latencies.append(t2 - t0)
    connection.close()


wall = time.perf_counter()
threads = [threading.Thread(target=sender) for _ in range(args.senders)]
for thread in threads:
    thread.start()
for thread in threads:
    thread.join()
wall = time.perf_counter() - wall


def summary(values):
    ordered = sorted(values)
    return {
        "p50_ms": round(statistics.median(ordered) * 1000),
        "p95_ms": round(ordered[int(0.95 * (len(ordered) - 1))] * 1000),
        "max_ms": round(ordered[-1] * 1000),
        "n": len(ordered),
    }


result = {
    "residents": args.residents,
    "senders": args.senders,
    "via": args.via,
    "observations_in_burst": len(latencies),
    "burst_wall_s": round(wall, 1),
    "observation_to_alert_visible": summary(latencies),
    "post_only": summary(posts),
    "board_fetch_alone": summary(board_times),
    "load_average": os.getloadavg(),
    "machine": f"{platform.processor() or platform.machine()}, {os.cpu_count()} CPUs",
    "python": sys.version.split()[0],
    "when": dt.datetime.now(dt.UTC).isoformat(timespec="minutes"),
}
from octopus.governance import checkpoints  # noqa: E402

written = checkpoints.path()
result["audit_checkpoints_written"] = len(written.read_text().splitlines()) if written.exists() else 0
result["audit_dir"] = str(written.parent)
print(json.dumps(result, indent=2))
if args.json:
    with open(args.json, "w") as handle:
        json.dump(result, handle, indent=2)
assert len(latencies) == args.residents
