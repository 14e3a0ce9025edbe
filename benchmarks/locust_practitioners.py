"""Simulated practitioners against ``octopus serve`` (loopback only; it stops by itself).

Usage (a database from ``care_latency.py --build-only`` and ``locust_setup.py``; the server on
127.0.0.1:8765; ``-t`` bounds the run):
    OCTOPUS_BENCH_PRACTITIONERS=/tmp/pages-work/practitioners.json \\
    locust -f benchmarks/locust_practitioners.py --headless -u 50 -r 10 -t 180s \\
        --host http://127.0.0.1:8765 --csv /tmp/pages-work/load50 --only-summary

Each simulated user signs in once as one of the ``bench*`` practitioners (their own account: the
pages show them only what their relationships allow), then works a closed loop with a pause of
``OCTOPUS_BENCH_THINK`` seconds (default 3–7) between pages, as someone reading them would:

- care practitioners (nurses, coordinators, social workers, link workers): their team caseload
  (weight 3), a resident's record from it (5), the timeline filtered by kind (1), the task inbox
  (1), a meeting's worklist when they belong to a series (2), the population overview when their
  role has it (1), and saving the care plan of a resident on their caseload (1: open the edit form,
  post it back with a new "what matters" line; a conflict with a colleague's save is an answer
  the page handles, not an error);
- CHWWs: their day's doors (3), a household (2), recording a visit ("no answer", 1).

Any answer other than 2xx/3xx counts as a failure (locust's own statistics, per page name).
"""

import ipaddress
import itertools
import json
import os
import random
import re
import threading
import uuid
from urllib.parse import urlparse

from locust import HttpUser, between, events, task
from locust.exception import StopUser

CSRF = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
VERSION = re.compile(r'name="version"[^>]*value="(\d+)"|value="(\d+)"[^>]*name="version"')
TEXTAREA = re.compile(r'<textarea[^>]*name="([^"]+)"[^>]*>(.*?)</textarea>', re.S)
INPUT = re.compile(r'<input[^>]*name="(lead_professional|review_date)"[^>]*value="([^"]*)"')
SELECTED = re.compile(r'<select[^>]*name="lead_professional".*?<option value="([^"]*)"[^>]*selected', re.S)

with open(os.environ.get("OCTOPUS_BENCH_PRACTITIONERS", "/tmp/pages-work/practitioners.json")) as source:
    FIXTURE = json.load(source)
CARE = [p for p in FIXTURE["practitioners"] if p["residents"]]
CHWWS = [p for p in FIXTURE["practitioners"] if p["allocations"]]
POPULATION_ROLES = {"clinician", "care_coordinator"}  # roles.yaml: view_population
low, high = (float(x) for x in os.environ.get("OCTOPUS_BENCH_THINK", "3-7").split("-"))
_next = {"care": itertools.count(), "chww": itertools.count()}
_lock = threading.Lock()


@events.test_start.add_listener
def loopback_only(environment, **_kwargs):
    host = urlparse(environment.host or "").hostname or ""
    try:
        loopback = host == "localhost" or ipaddress.ip_address(host).is_loopback
    except ValueError:
        loopback = False
    if not loopback:
        raise SystemExit(f"Refusing to load {environment.host!r}: this load test runs against loopback only.")


class Signed(HttpUser):
    abstract = True
    wait_time = between(low, high)

    def take(self, pool: list, kind: str) -> dict:
        with _lock:
            return pool[next(_next[kind]) % len(pool)]

    def sign_in(self, username: str) -> None:
        page = self.client.get("/accounts/login/", name="sign in (form)")
        token = CSRF.search(page.text)
        response = self.client.post(
            "/accounts/login/",
            name="sign in",
            allow_redirects=False,
            data={
                "username": username,
                "password": FIXTURE["password"],
                "csrfmiddlewaretoken": token.group(1) if token else "",
            },
            headers={"Referer": self.host + "/accounts/login/"},
        )
        if response.status_code != 302:
            raise StopUser()

    def post_form(self, path: str, data: dict, name: str):
        data = {**data, "csrfmiddlewaretoken": self.client.cookies.get("csrftoken", "")}
        with self.client.post(
            path,
            data=data,
            name=name,
            allow_redirects=False,
            catch_response=True,
            headers={"Referer": self.host + path},
        ) as response:
            if response.status_code >= 400:
                response.failure(f"HTTP {response.status_code}")
            else:
                response.success()
            return response


class Practitioner(Signed):
    weight = 9

    def on_start(self):
        self.me = self.take(CARE, "care")
        self.sign_in(self.me["username"])

    def resident(self) -> str:
        return random.choice(self.me["residents"])

    @task(3)
    def caseload(self):
        self.client.get(f"/caseload/?team={random.choice(self.me['teams'])}", name="caseload (team)")

    @task(5)
    def record(self):
        self.client.get(f"/residents/{self.resident()}/", name="record")

    @task(1)
    def timeline(self):
        kind = random.choice(["gp", "ae", "community", "outpatient"])
        self.client.get(f"/residents/{self.resident()}/timeline/?kind={kind}", name="timeline (by kind)")

    @task(1)
    def inbox(self):
        self.client.get("/caseload/inbox/", name="task inbox")

    @task(2)
    def worklist(self):
        if self.me["meetings"]:
            self.client.get(f"/meetings/{random.choice(self.me['meetings'])}/", name="meeting worklist")

    @task(1)
    def population(self):
        if self.me["role"] in POPULATION_ROLES:
            self.client.get("/population/", name="population overview")

    @task(1)
    def save_care_plan(self):
        person = self.resident()
        form = self.client.get(f"/caseload/residents/{person}/plan/edit/", name="care plan (edit form)")
        if form.status_code != 200:
            return
        version = VERSION.search(form.text)
        data = {name: text for name, text in TEXTAREA.findall(form.text)}
        data.update(dict(INPUT.findall(form.text)))
        lead = SELECTED.search(form.text)
        data["lead_professional"] = lead.group(1) if lead else ""
        data["version"] = next(v for v in version.groups() if v) if version else "1"
        data["what_matters"] = (
            data.get("what_matters", "") + f"\nSeen by {self.me['username']} {uuid.uuid4().hex[:6]}"
        )[-900:]
        self.post_form(f"/caseload/residents/{person}/plan/edit/", data, "care plan (save)")


class CommunityWorker(Signed):
    weight = 1

    def on_start(self):
        if not CHWWS:
            raise StopUser()
        self.me = self.take(CHWWS, "chww")
        self.sign_in(self.me["username"])

    @task(3)
    def my_day(self):
        self.client.get("/outreach/", name="outreach: my day")

    @task(2)
    def household(self):
        self.client.get(f"/outreach/households/{random.choice(self.me['allocations'])}/", name="outreach: household")

    @task(1)
    def visit(self):
        allocation = random.choice(self.me["allocations"])
        self.post_form(
            f"/outreach/households/{allocation}/visit/",
            {"outcome": "no_answer", "client_key": str(uuid.uuid4())},
            "outreach: record a visit",
        )
