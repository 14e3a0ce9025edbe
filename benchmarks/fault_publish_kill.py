"""Fault harness: `octopus publish` killed (SIGKILL) part-way, again and again, under a running
server; then run to the end.

Usage (the demo served by `octopus serve` on --base, SQLite in --data-dir, or PostgreSQL when
OCTOPUS_DATABASE_URL names one):
    OCTOPUS_ENV=demo OCTOPUS_DATA_DIR=var python benchmarks/fault_publish_kill.py \
        --base http://127.0.0.1:8765 --run-id <an earlier snapshot's run id> --kill-after 3,15,40,80
    (--base "" checks the database only, with no server.)

On PostgreSQL a publish is staged in temporary tables and switched in by one transaction
(decision 0057), so a kill before the switch must leave no resident on the new run and no
staging table behind: both are checked and printed. `--kill-in-switch 0,1,5` kills it instead
inside that transaction (0, 1 and 5 seconds after its first statement is seen in
pg_stat_activity), where PostgreSQL must roll the whole switch back.

After each kill it checks that the snapshot in service (the latest PublishedSnapshot) is still the
previous one, that /readyz is 200 and the home page answers; then it publishes --run-id to the
end and checks that it is in service, and publishes the original snapshot again to put the demo
back. Prints one line per round with how far the publish had got (residents already carrying the new
run's scores).
"""

import argparse
import os
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from pathlib import Path

import requests


def _query(database, sql: str, params=()):
    if isinstance(database, str):  # a PostgreSQL URL
        import psycopg

        with psycopg.connect(database) as con:
            return con.execute(sql.replace("?", "%s"), params).fetchone()
    with sqlite3.connect(f"file:{database}?mode=ro", uri=True) as con:
        return con.execute(sql, params).fetchone()


def in_service(database) -> str:
    row = _query(database, "SELECT run_id FROM insights_publishedsnapshot ORDER BY published_at DESC LIMIT 1")
    return row[0] if row else ""


def residents_on(database, run_id: str) -> int:
    return _query(database, "SELECT count(*) FROM residents_resident WHERE snapshot_run_id = ?", [run_id])[0]


def counts(database) -> tuple[int, int]:
    return _query(
        database, "SELECT (SELECT count(*) FROM residents_resident), (SELECT count(*) FROM residents_activityevent)"
    )


def staging_tables(database) -> int | str:
    """Staging tables left behind (PostgreSQL only: they are temporary, so a killed session's go with it)."""
    if not isinstance(database, str):
        return "n/a"
    return _query(database, "SELECT count(*) FROM pg_class WHERE relname LIKE ?", ["octopus_staging_%"])[0]


# The publish's own connection is the one COPYing into staging tables. Its switch transaction
# (core.bulk.Staging.apply) is what it runs after the folds and ANALYZEs that precede it: the
# set-based merges, the key checks of decision 0070, then COMMIT.
PUBLISHER_SQL = """
SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()
  AND (query LIKE 'COPY octopus_staging_%' OR query LIKE 'CREATE TEMPORARY TABLE octopus_staging_%')
"""
SWITCH_SQL = """
SELECT left(query, 60) FROM pg_stat_activity WHERE pid = {pid:d} AND state = 'active'
  AND query NOT LIKE 'COPY %' AND query NOT LIKE 'CREATE TEMPORARY TABLE %' AND query NOT LIKE 'ANALYZE %'
  AND query NOT LIKE '% AS inserting %'
  AND (query LIKE '%octopus_staging_%' OR query LIKE 'COMMIT%' OR query LIKE 'LOCK TABLE %'
       OR query LIKE 'SET LOCAL client_connection_check_interval%')
"""


def in_switch(database: str, delay: float, deadline: float) -> tuple[str, int | None]:
    """Wait until the publish is inside its switch transaction, then ``delay`` seconds more; return
    the statement it was running (empty if the publish never got there before ``deadline``) and
    its server process."""
    import psycopg

    with psycopg.connect(database, autocommit=True) as con:
        pid = None
        while time.monotonic() < deadline:
            if pid is None:
                pid = (con.execute(PUBLISHER_SQL).fetchone() or [None])[0]
            elif row := con.execute(SWITCH_SQL.format(pid=pid)).fetchone():
                time.sleep(delay)
                row = con.execute(SWITCH_SQL.format(pid=pid)).fetchone() or row
                return row[0], pid
            time.sleep(0.01)
    return "", pid


def server_gone(database: str, pid: int | None) -> float:
    """Seconds until the killed publish's server process has gone (rolled back and exited)."""
    import psycopg

    started = time.monotonic()
    with psycopg.connect(database, autocommit=True) as con:
        while pid and con.execute("SELECT 1 FROM pg_stat_activity WHERE pid = %s", [pid]).fetchone():
            time.sleep(0.05)
    return time.monotonic() - started


def publish(run_id: str, kill_after: float | None, switch: tuple[str, float] | None = None) -> tuple[int, str, float]:
    """Run the publish; kill it after ``kill_after`` seconds, or ``switch`` = (database, delay) once
    its switch transaction has run for ``delay`` seconds (then ``said`` is the statement it was in)."""
    command = [sys.executable, "-c", "from octopus.cli import main; main()", "publish", "--run-id", run_id]
    started = time.monotonic()
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=os.environ)
    lines: list[str] = []
    threading.Thread(target=lambda: lines.extend(process.stdout), daemon=True).start()
    if switch is not None:
        statement, pid = in_switch(switch[0], switch[1], started + 3600)
        if process.poll() is None:
            process.send_signal(signal.SIGKILL)
        process.wait()
        took = time.monotonic() - started
        gone = server_gone(switch[0], pid)
        return process.returncode, f"in the switch: {statement or '(never seen)'}; server gone {gone:.1f} s later", took
    try:
        process.wait(timeout=kill_after)
    except subprocess.TimeoutExpired:
        process.send_signal(signal.SIGKILL)
        process.wait()
    time.sleep(0.2)
    said = next((line.strip() for line in reversed(lines) if line.strip()), "(nothing yet)")
    return process.returncode, said[:110], time.monotonic() - started


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--base", default="http://127.0.0.1:8000")
    parser.add_argument("--run-id", required=True, help="a snapshot to publish (not the one in service)")
    parser.add_argument("--kill-after", default="3,15,40,80", help="seconds, comma-separated")
    parser.add_argument(
        "--kill-in-switch",
        default="",
        help="PostgreSQL: seconds into the switch transaction to kill at, comma-separated (instead of --kill-after)",
    )
    args = parser.parse_args()
    data_dir = Path(os.environ.get("OCTOPUS_DATA_DIR", "var")).resolve()
    url = os.environ.get("OCTOPUS_DATABASE_URL", "")
    database = url if url.startswith("postgres") else data_dir / "octopus.sqlite3"
    original = in_service(database)
    assert original and original != args.run_id, "publish a snapshot other than the one in service"
    print(
        f"in service before: {original}; residents already on {args.run_id} before any kill (in it and not in the "
        f"snapshot in service): {residents_on(database, args.run_id)}"
    )
    in_switch_delays = [float(s) for s in args.kill_in_switch.split(",") if s]
    assert not in_switch_delays or isinstance(database, str), "--kill-in-switch needs PostgreSQL"
    before = counts(database)
    for seconds in in_switch_delays or [float(s) for s in args.kill_after.split(",")]:
        switch = (database, seconds) if in_switch_delays else None
        code, said, took = publish(args.run_id, seconds, switch)
        ready = requests.get(args.base + "/readyz", timeout=60).status_code if args.base else "-"
        home = requests.get(args.base + "/accounts/login/", timeout=60).status_code if args.base else "-"
        print(
            f"killed after {seconds:>4.1f} s (exit {code}; it had said {said!r}); residents already on the new run: "
            f"{residents_on(database, args.run_id)}; staging tables left: {staging_tables(database)}; in service: "
            f"{in_service(database)}; previous kept: {in_service(database) == original}; /readyz {ready}; "
            f"sign-in page {home}; live rows (residents, timeline) unchanged: {counts(database) == before}"
        )
        if in_service(database) != original:  # the kill came after the commit: start the next round afresh
            code, said, took = publish(original, None)
            print(f"  (the publish had finished; original published again: exit {code}, {in_service(database)})")
    code, said, took = publish(args.run_id, None)
    print(
        f"rerun to the end: exit {code} in {took:.0f} s; in service: {in_service(database)}; "
        f"new snapshot in service: {in_service(database) == args.run_id}; said {said!r}"
    )
    code, said, took = publish(original, None)
    print(f"original published again: exit {code} in {took:.0f} s; in service: {in_service(database)}")


if __name__ == "__main__":
    main()
