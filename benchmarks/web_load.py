"""A small web load generator: practitioners signing in and opening pages, optionally while a
command (a publish, a pipeline run) runs against the same data. Loopback only; it stops by itself.

Usage (against a running `octopus serve`, e.g. the demo on port 8765):
    python benchmarks/web_load.py --base http://127.0.0.1:8765 --users 16 --duration 120 \
        --during-after 20 --during "octopus publish" [--json results.json]

Each simulated user signs in as one of the demo accounts (password ``octopus-demo``), opens the
pages its role may open (home, caseload, case-finding, meetings, population, directory, a resident's
record from its caseload; which pages a role has is learnt once, untimed), signs out and starts
again, with no pause: a closed loop, so throughput is what the server gives. Every request is timed;
any answer other than 2xx/3xx, and any connection error, counts as an error. With ``--during``, the
command starts ``--during-after`` seconds in and the report splits requests into those made while it
ran and those made outside it. Results: requests, errors, p50/p95/p99 per window and per page.
"""

import argparse
import json
import os
import re
import shlex
import subprocess
import sys
import threading
import time
from collections import defaultdict
from urllib.parse import urlparse

import requests

ACCOUNTS = ["gp", "matron", "nurse", "coordinator", "socialworker", "prescriber", "analyst", "manager"]
CANDIDATE_PAGES = ["/", "/caseload/", "/case-finding/", "/meetings/", "/population/", "/directory/"]
PASSWORD = "octopus-demo"
CSRF = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
TITLE = re.compile(r"<title>(.*?)</title>", re.S)
RECORD_LINK = re.compile(r'href="(/residents/[^"/]+/)"')


class User(threading.Thread):
    samples: dict = {}  # one example of each kind of error (its page title), shared by every user

    def __init__(self, base: str, username: str, deadline: float, results: list, lock: threading.Lock):
        super().__init__(daemon=True)
        self.base, self.username, self.deadline = base, username, deadline
        self.results, self.lock = results, lock
        self.pages: list[str] | None = None

    def timed(self, session, method: str, path: str, label: str, **kwargs):
        started = time.monotonic()
        try:
            response = session.request(method, self.base + path, timeout=60, allow_redirects=False, **kwargs)
            status, body = response.status_code, response.text
        except requests.RequestException as exc:
            status, body = type(exc).__name__, ""
        elapsed = time.monotonic() - started
        with self.lock:
            self.results.append((started, label, status, elapsed))
            if not (isinstance(status, int) and 200 <= status < 400):
                title = TITLE.search(body)
                self.samples.setdefault(f"{label} {status}", title.group(1).strip() if title else body[:120])
        return status, body

    def sign_in(self, session) -> bool:
        status, body = self.timed(session, "GET", "/accounts/login/", "sign-in page")
        token = CSRF.search(body)
        if not token:
            return False
        status, _ = self.timed(
            session,
            "POST",
            "/accounts/login/",
            "sign in",
            data={"username": self.username, "password": PASSWORD, "csrfmiddlewaretoken": token.group(1)},
            headers={"Referer": self.base + "/accounts/login/"},
        )
        return status == 302

    def run(self) -> None:
        while time.monotonic() < self.deadline:
            with requests.Session() as session:
                if not self.sign_in(session):
                    time.sleep(0.5)
                    continue
                if self.pages is None:  # learn once which pages this role may open
                    self.pages = []
                    for page in CANDIDATE_PAGES:
                        # Not timed: a 403 here only means the role does not have that page.
                        response = session.get(self.base + page, timeout=60, allow_redirects=False)
                        status, body = response.status_code, response.text
                        if status == 200:
                            self.pages.append(page)
                            record = RECORD_LINK.search(body) if page == "/caseload/" else None
                            if record:
                                self.pages.append(record.group(1))
                for page in self.pages:
                    if time.monotonic() >= self.deadline:
                        break
                    label = "/residents/<id>/" if page.startswith("/residents/") else page
                    self.timed(session, "GET", page, label)
                status, body = self.timed(session, "GET", "/", "/")
                token = CSRF.search(body)
                if token:
                    self.timed(
                        session,
                        "POST",
                        "/accounts/logout/",
                        "sign out",
                        data={"csrfmiddlewaretoken": token.group(1)},
                        headers={"Referer": self.base + "/"},
                    )


def summarise(rows: list) -> dict:
    times = sorted(r[3] for r in rows)
    errors = [r for r in rows if not (isinstance(r[2], int) and 200 <= r[2] < 400)]
    if not times:
        return {"requests": 0, "errors": 0}

    def centile(q: float) -> float:
        return round(1000 * times[min(len(times) - 1, int(q * len(times)))], 1)

    return {
        "requests": len(rows),
        "errors": len(errors),
        "p50_ms": centile(0.50),
        "p95_ms": centile(0.95),
        "p99_ms": centile(0.99),
        "max_ms": round(1000 * times[-1], 1),
        "error_kinds": {k: sum(1 for r in errors if str(r[2]) == k) for k in sorted({str(r[2]) for r in errors})},
    }


def timeline(rows: list, started: float, step: float = 10) -> list:
    """Requests, errors and p95 per ``step`` seconds, to see when trouble happened."""
    buckets = defaultdict(list)
    for row in rows:
        buckets[int((row[0] - started) // step)].append(row)
    return [
        {
            "from_s": int(b * step),
            **{k: v for k, v in summarise(r).items() if k in ("requests", "errors", "p50_ms", "p95_ms")},
        }
        for b, r in sorted(buckets.items())
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--base", default="http://127.0.0.1:8000")
    parser.add_argument("--users", type=int, default=16)
    parser.add_argument("--duration", type=float, default=60, help="seconds; the run stops by itself")
    parser.add_argument("--during", help="a command to run while the load runs (e.g. 'octopus publish')")
    parser.add_argument("--during-after", type=float, default=15, help="seconds before starting --during")
    parser.add_argument(
        "--ramp", type=float, default=0.5, help="seconds between users starting (people do not all sign in at once)"
    )
    parser.add_argument("--json", help="write the results here")
    args = parser.parse_args()
    if urlparse(args.base).hostname not in {"127.0.0.1", "localhost", "::1"}:
        sys.exit("web_load.py only talks to this machine (loopback): --base must be 127.0.0.1 or localhost.")
    if not 1 <= args.users <= 500 or not 0 < args.duration <= 3600:
        sys.exit("--users 1-500 and --duration up to 3600 s: the run is bounded.")

    results, lock = [], threading.Lock()
    started = time.monotonic()
    deadline = started + args.duration
    users = [User(args.base, ACCOUNTS[i % len(ACCOUNTS)], deadline, results, lock) for i in range(args.users)]
    for user in users:
        user.start()
        time.sleep(args.ramp)
    window = None
    if args.during:
        time.sleep(max(0.0, args.during_after))
        began = time.monotonic()
        completed = subprocess.run(shlex.split(args.during), env=os.environ, capture_output=True, text=True)
        window = (began, time.monotonic())
        print(f"--during exited {completed.returncode} after {window[1] - window[0]:.1f} s", file=sys.stderr)
        if completed.returncode:
            print(completed.stderr[-2000:], file=sys.stderr)
    for user in users:
        user.join(timeout=max(0.0, deadline - time.monotonic()) + 65)

    report = {
        "users": args.users,
        "duration_s": args.duration,
        "load_average": os.getloadavg(),
        "all": summarise(results),
    }
    if window:
        report["during_command"] = {
            "command": args.during,
            "seconds": round(window[1] - window[0], 1),
            **summarise([r for r in results if window[0] <= r[0] <= window[1]]),
        }
        report["outside_command"] = summarise([r for r in results if not window[0] <= r[0] <= window[1]])
    pages = defaultdict(list)
    for row in results:
        pages[row[1]].append(row)
    report["pages"] = {page: summarise(rows) for page, rows in sorted(pages.items())}
    report["error_samples"] = User.samples
    report["timeline"] = timeline(results, started)
    report["throughput_rps"] = round(len(results) / args.duration, 1)
    print(json.dumps(report, indent=2))
    if args.json:
        with open(args.json, "w") as out:
            json.dump(report, out, indent=2)


if __name__ == "__main__":
    main()
