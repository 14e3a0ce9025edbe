"""The population pipeline on a Spark standalone cluster, checked against DuckDB (decision 0060).

    python benchmarks/spark_cluster.py [--people 20000] [--workers 2] [--worker-memory 1g]
                                       [--work DIR] [--keep-cluster]

What a real deployment runs, on loopback: a master (``spark://127.0.0.1:7077``) and ``--workers``
workers (one core and ``--worker-memory`` each) started with ``spark-class`` from the pinned
pyspark install (pip's pyspark ships ``bin/spark-class`` but not ``sbin/start-master.sh``; the
daemons are the same classes). Then, each in its own process:

1. a simulated linked extract of ``--people`` residents (``simulate_linked_at_scale``);
2. ``run_pipeline`` on DuckDB;
3. ``run_pipeline`` with ``OCTOPUS_SPARK_MASTER=spark://127.0.0.1:7077``: the driver is this
   machine's Python, the feature and scoring queries run in the two workers' executors;

and compares the two snapshots' residents, cohorts, inequalities and life expectancy exactly as
``tests/spec/population/test_engine_parity.py`` does at 300 residents (same columns; numbers
within 1e-9). It checks the master's status page says both workers were alive and the
application ran on the cluster (not in local mode), prints each run's time, and stops the
cluster (every daemon it started, by process id) however it ends.

Executors read the extract and the driver's scratch Parquet by path, which works because the
workers share this machine's disk; on a real cluster the extract and ``TMPDIR`` live on storage
every node mounts (docs/configuration.md, "Spark").
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pyspark

SPARK_HOME = Path(pyspark.__file__).parent
MASTER_PORT = 7077
AS_OF = dt.date(2025, 3, 31)


class Cluster:
    """A standalone master and workers as child processes, each in its own process group."""

    def __init__(self, work: Path, workers: int, memory: str, ui_port: int):
        self.work, self.workers, self.memory, self.ui_port = work, workers, memory, ui_port
        self.processes: list[subprocess.Popen] = []
        self.url = f"spark://127.0.0.1:{MASTER_PORT}"

    def env(self) -> dict[str, str]:
        env = dict(os.environ)
        env.update(
            {
                "SPARK_HOME": str(SPARK_HOME),
                "SPARK_LOCAL_IP": "127.0.0.1",  # loopback only: nothing listens on the network
                "SPARK_LOG_DIR": str(self.work / "logs"),
                "SPARK_WORKER_DIR": str(self.work / "work"),
                # Executors start Python for Arrow transfers; it must be the driver's, with Octopus on it.
                "PYSPARK_PYTHON": sys.executable,
                "PYTHONPATH": os.pathsep.join(
                    p for p in (str(Path(__file__).parents[1] / "src"), os.environ.get("PYTHONPATH", "")) if p
                ),
            }
        )
        return env

    def _daemon(self, name: str, *args: str) -> None:
        log = open(self.work / "logs" / f"{name}.log", "w")  # noqa: SIM115 (kept open for the daemon's life)
        self.processes.append(
            subprocess.Popen(
                [str(SPARK_HOME / "bin" / "spark-class"), *args],
                stdout=log,
                stderr=subprocess.STDOUT,
                env=self.env(),
                start_new_session=True,
            )
        )

    def start(self, timeout: float = 120) -> dict:
        (self.work / "logs").mkdir(parents=True, exist_ok=True)
        (self.work / "work").mkdir(parents=True, exist_ok=True)
        self._daemon(
            "master",
            "org.apache.spark.deploy.master.Master",
            "--host",
            "127.0.0.1",
            "--port",
            str(MASTER_PORT),
            "--webui-port",
            str(self.ui_port),
        )
        self.wait_for(lambda s: s.get("status") == "ALIVE", timeout, "the master to be ALIVE")
        for i in range(self.workers):
            self._daemon(
                f"worker-{i + 1}",
                "org.apache.spark.deploy.worker.Worker",
                self.url,
                "--host",
                "127.0.0.1",
                "--cores",
                "1",
                "--memory",
                self.memory,
                "--webui-port",
                str(self.ui_port + 1 + i),
                "--work-dir",
                str(self.work / "work"),
            )
        return self.wait_for(
            lambda s: s.get("aliveworkers") == self.workers, timeout, f"{self.workers} workers to register"
        )

    def status(self) -> dict:
        with urllib.request.urlopen(f"http://127.0.0.1:{self.ui_port}/json/", timeout=5) as response:
            return json.load(response)

    def wait_for(self, ready, timeout: float, what: str) -> dict:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for process in self.processes:
                if process.poll() is not None:
                    raise SystemExit(
                        f"A Spark daemon exited ({process.args[1]}, code {process.returncode}) "
                        f"waiting for {what}: see {self.work / 'logs'}"
                    )
            try:
                status = self.status()
                if ready(status):
                    return status
            except OSError:
                pass
            time.sleep(1)
        raise SystemExit(f"Timed out after {timeout:.0f} s waiting for {what}: see {self.work / 'logs'}")

    def stop(self) -> None:
        for process in reversed(self.processes):
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGTERM)
        for process in self.processes:
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()


def child(code: str, env: dict[str, str] | None = None, timeout: float | None = None) -> dict:
    """Run Python in a fresh process (one engine per process, as `octopus pipeline run` does)."""
    started = time.perf_counter()
    try:
        proc = subprocess.run(
            ["/usr/bin/time", "-v", sys.executable, "-c", code],
            capture_output=True,
            text=True,
            env={**os.environ, **(env or {})},
            timeout=timeout,
        )
    except subprocess.TimeoutExpired:
        raise SystemExit(f"Child still running after {timeout:.0f} s: stopped (--timeout)") from None
    if proc.returncode:
        raise SystemExit(f"Child failed ({proc.returncode}):\n{proc.stderr[-4000:]}")
    peak = [line for line in proc.stderr.splitlines() if "Maximum resident set size" in line]
    result = json.loads(proc.stdout.strip().splitlines()[-1])
    result["process_seconds"] = round(time.perf_counter() - started, 1)
    result["peak_python_gb"] = round(int(peak[0].split()[-1]) / 2**20, 2) if peak else None
    return result


PIPELINE = """
import json, sys, time
from pathlib import Path
from octopus.population.pipeline import PipelineConfig, run_pipeline
started = time.perf_counter()
info = run_pipeline(Path({linked!r}), Path({out!r}), as_of=__import__('datetime').date.fromisoformat({as_of!r}),
                    engine={engine!r}, config=PipelineConfig(show_progress=False, later_period={later!r}))
extra = {{}}
if {engine!r} == "spark":
    from octopus.population.engines import spark_session
    context = spark_session().sparkContext
    extra = {{"master": context.master, "application": context.applicationId,
              "executors": sorted(context._jsc.sc().getExecutorMemoryStatus().keySet().toString()
                                  .removeprefix("Set(").removesuffix(")").split(", "))}}
print(json.dumps({{"seconds": round(time.perf_counter() - started, 1), "path": str(info.path),
                  "steps": info.timings, **extra}}))
"""


def snapshot(path: Path):
    import pandas as pd

    residents = pd.read_parquet(path / "residents.parquet").sort_values("person_id").reset_index(drop=True)
    cohorts = pd.read_parquet(path / "cohorts.parquet").sort_values(["cohort", "person_id"]).reset_index(drop=True)
    return {
        "residents": residents,
        "cohorts": cohorts,
        "inequalities": pd.read_parquet(path / "inequalities.parquet"),
        "life_expectancy": pd.read_parquet(path / "life_expectancy.parquet"),
    }


def parity(duck: Path, spark: Path) -> dict:
    import pandas as pd

    ours, theirs = snapshot(duck), snapshot(spark)
    checked = {}
    for name, frame in ours.items():
        assert list(frame.columns) == list(theirs[name].columns), f"{name}: columns differ"
        pd.testing.assert_frame_equal(frame, theirs[name], check_dtype=False, check_exact=False, rtol=0, atol=1e-9)
        checked[name] = {"rows": len(frame), "columns": len(frame.columns)}
    return checked


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--people", type=int, default=20_000)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--worker-memory", default="1g")
    parser.add_argument("--ui-port", type=int, default=18080)
    parser.add_argument(
        "--later-period",
        action="store_true",
        help="Also run the later-period check (a third feature build; off by default, as in the parity test).",
    )
    parser.add_argument("--work", type=Path, default=Path("/tmp/octopus-spark-cluster"))
    parser.add_argument("--timeout", type=float, default=3600, help="Seconds allowed for each pipeline run.")
    args = parser.parse_args()
    # A harness stopped from outside (timeout, Ctrl-C) still stops the cluster it started.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit("Stopped by SIGTERM"))
    args.work.mkdir(parents=True, exist_ok=True)
    linked = args.work / f"linked-{args.people}"
    report: dict = {
        "date": dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "people": args.people,
        "load_before": [round(x, 2) for x in os.getloadavg()],
        "spark": pyspark.__version__,
    }
    if not (linked / "persons.parquet").is_file():
        report["simulate"] = child(
            "import json, datetime; from octopus.population.simulate import simulate_linked_at_scale; "
            f"simulate_linked_at_scale({str(linked)!r}, people={args.people}, "
            f"as_of=datetime.date.fromisoformat({AS_OF.isoformat()!r})); "
            "print(json.dumps({}))"
        )
    common = {"linked": str(linked), "as_of": AS_OF.isoformat(), "later": args.later_period}
    report["duckdb"] = child(
        PIPELINE.format(out=str(args.work / "duckdb"), engine="duckdb", **common), timeout=args.timeout
    )
    cluster = Cluster(args.work, args.workers, args.worker_memory, args.ui_port)
    try:
        started = time.perf_counter()
        status = cluster.start()
        report["cluster_start_seconds"] = round(time.perf_counter() - started, 1)
        report["workers"] = [
            {"id": w["id"], "cores": w["cores"], "memory_mb": w["memory"], "state": w["state"]}
            for w in status["workers"]
        ]
        print(
            f"Cluster up in {report['cluster_start_seconds']} s: {cluster.url}, {status['aliveworkers']} workers",
            file=sys.stderr,
            flush=True,
        )
        report["spark_cluster"] = child(
            PIPELINE.format(out=str(args.work / "spark"), engine="spark", **common),
            env={"OCTOPUS_SPARK_MASTER": cluster.url, "SPARK_LOCAL_IP": "127.0.0.1", "PYSPARK_PYTHON": sys.executable},
            timeout=args.timeout,
        )
        report["applications"] = [
            {"id": a["id"], "name": a["name"], "cores": a["cores"], "state": a["state"]}
            for a in cluster.status().get("completedapps", [])
        ]
    finally:
        cluster.stop()
    assert report["spark_cluster"]["master"] == cluster.url, report["spark_cluster"]["master"]
    assert any(a["name"] == "octopus-population" for a in report["applications"]), "the cluster ran no application"
    report["parity"] = parity(Path(report["duckdb"]["path"]), Path(report["spark_cluster"]["path"]))
    report["load_after"] = [round(x, 2) for x in os.getloadavg()]
    print(json.dumps(report, indent=2))
    print(
        f"Parity: the same {report['parity']['residents']['rows']:,} residents, "
        f"{report['parity']['cohorts']['rows']:,} cohort rows, inequalities and life expectancy on DuckDB "
        f"({report['duckdb']['seconds']} s) and the Spark cluster ({report['spark_cluster']['seconds']} s)."
    )


if __name__ == "__main__":
    main()
