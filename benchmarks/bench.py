"""`make bench`: the population pipeline at several sizes, results kept as JSON, a plot, a regression check.

    python benchmarks/bench.py [--sizes 20000 50000 100000 275000 1000000 9000000] [--repeats 3]
                               [--once-above 500000] [--out benchmarks/results] [--plot docs/images/bench-scaling.svg]

For each size it writes a simulated linked extract (``simulate_linked_at_scale``, about 24 rows a
person, as ``benchmarks/pipeline.py`` does) unless one is already in ``OCTOPUS_BENCH_DIR`` (default
``/tmp/octopus-bench``), then runs the whole pipeline ``--repeats`` times, each in its own process
under ``/usr/bin/time -v`` (``benchmarks/pipeline.py pipeline N``): whole process wall time,
user+system CPU, peak resident memory, and the pipeline's own step timings. Sizes above
``--once-above`` (200,000) run once: on the shared 2-core machine a 1M run holds 2.4 GB for a minute
or more, and 275k and 1M repeated would take the machine for a quarter of an hour. Each size's
figures are the median of its runs with the range (min, max) beside it.

The result file ``benchmarks/results/bench-YYYYMMDDTHHMMSSZ.json`` names the date, the machine
(host, cores, memory, OS, Python, DuckDB), the commit and whether the tree had uncommitted
changes, and the load average before and after each run: the machine is shared, so the figures
are "under load" unless the load says otherwise. Then ``benchmarks/plot_bench.py`` draws time
and peak memory against population size, and ``benchmarks/regression.py`` compares each step
with the last recorded run and flags any more than 20% slower (decision 0061).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
sys.path.insert(0, str(HERE))

import pipeline as pipeline_bench  # noqa: E402  (benchmarks/pipeline.py: the timed subprocess runner)


def machine() -> dict:
    physical = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    import duckdb

    return {
        "host": platform.node(),
        "cores": os.cpu_count(),
        "memory_gb": round(physical / 2**30, 1),
        "os": platform.platform(),
        "python": platform.python_version(),
        "duckdb": duckdb.__version__,
    }


def reference(repeats: int = 5) -> dict:
    """A fixed workload timed on this machine, each part median CPU seconds of ``repeats``: a
    DuckDB aggregation and join, a NumPy sort and a Python loop, the pipeline's three kinds of work.

    VMs of one kind are recorded alike by ``machine()`` yet differ in speed by workload (on 6
    December one ran the pipeline 1.3-1.5x slower than the last): ``regression.py`` prints both
    files' figures so a comparison across machines is seen to be one."""
    import duckdb
    import numpy as np

    def cpu(work) -> float:
        started = time.process_time()
        work()
        return time.process_time() - started

    def database() -> None:
        con = duckdb.connect()
        con.execute(
            "SELECT count(*), sum(b.v) FROM (SELECT i % 1000003 AS k, count(*) AS n FROM range(20000000) t(i) "
            "GROUP BY k) a JOIN (SELECT i AS k, hash(i) % 97 AS v FROM range(1000003) t(i)) b USING (k)"
        ).fetchall()
        con.close()

    def arrays() -> None:
        np.sort(np.random.default_rng(20261206).random(20_000_000))

    def python() -> None:
        total = 0
        for i in range(10_000_000):
            total += i * i % 7

    parts = {"duckdb": database, "numpy": arrays, "python": python}
    figures = {name: round(statistics.median(cpu(work) for _ in range(repeats)), 3) for name, work in parts.items()}
    return {**figures, "total": round(sum(figures.values()), 3)}


def commit() -> dict:
    def git(*args: str) -> str:
        return subprocess.run(["git", "-C", str(REPO), *args], capture_output=True, text=True).stdout.strip()

    return {
        "sha": git("rev-parse", "HEAD"),
        "branch": git("rev-parse", "--abbrev-ref", "HEAD"),
        "dirty": bool(git("status", "--porcelain", "--untracked-files=no")),
    }


# Issue #16's scenarios: a practice's worth, a borough (Westminster, 275k), an INT's footprint
# (1M) and all London (9M), which runs where the machine has the memory (``run``).
SIZES = (20_000, 50_000, 100_000, 275_000, 1_000_000, 9_000_000)
# The most a run was measured to hold: all London on the real extract (docs/benchmarks.md).
MOST_GB = 11.0


def available_gb() -> float:
    for line in Path("/proc/meminfo").read_text().splitlines():
        if line.startswith("MemAvailable:"):
            return int(line.split()[1]) / 2**20
    return float("nan")


def summarise(runs: list[dict]) -> dict:
    """Median and range of each figure over a size's runs (one slow or lucky run must not move it)."""
    ok = [r for r in runs if "error" not in r]

    def spread(values: list[float]) -> dict:
        return {"median": round(statistics.median(values), 3), "min": min(values), "max": max(values)}

    summary: dict = {"runs_ok": len(ok), "runs_failed": len(runs) - len(ok)}
    if not ok:
        return summary
    summary["total_seconds"] = spread([r["seconds"] for r in ok])
    summary["process_wall_seconds"] = spread([r["process_wall_seconds"] for r in ok])
    summary["process_cpu_seconds"] = spread([r["process_cpu_seconds"] for r in ok])
    summary["peak_memory_gb"] = spread([r["peak_memory_gb"] for r in ok])
    steps = [name for name in ok[0]["steps"] if all(name in r["steps"] for r in ok)]
    summary["steps"] = {name: spread([r["steps"][name] for r in ok]) for name in steps}
    return summary


def wall_seconds(text: str | None) -> float | None:
    """/usr/bin/time's "Elapsed (wall clock)" (h:mm:ss or m:ss.ss) as seconds."""
    if not text:
        return None
    seconds = 0.0
    for part in text.split(":"):
        seconds = seconds * 60 + float(part)
    return round(seconds, 2)


def run(sizes: list[int], repeats: int, once_above: int, min_free_gb: float, save, into: dict | None = None) -> dict:
    result = into or {
        "kind": "octopus-pipeline-bench",
        "date": dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "finished": None,
        "machine": machine(),
        "reference_cpu_seconds": reference(),
        "commit": commit(),
        "command": " ".join([Path(sys.argv[0]).name, *sys.argv[1:]]),
        "as_of": pipeline_bench.AS_OF.isoformat(),
        "sizes": {},
    }
    if into:
        # Continuing a run cut short (memory, a window): each run keeps its own load average.
        result.setdefault("continued", []).append(
            {"date": dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ"), "commit": commit()}
        )
    for people in sizes:
        entry: dict = {"runs": []}
        result["sizes"][str(people)] = entry
        # A run peaks at about 2.5 GB a million residents up to 1M, and the features are built in
        # parts of 2M above that, so all London peaked at 4.8 GB on the simulated extract and 10.5
        # GB on the real one (docs/benchmarks.md); there is no swap. A job over 2 GB waits for 8 GB
        # available (the shared machine's rule), smaller ones for their own need plus 2 GB;
        # otherwise the size is skipped and the file says why.
        estimate = max(0.5, min(2.5 * people / 1_000_000, MOST_GB))
        need = max(min_free_gb, estimate) if estimate > 2 else estimate + 2
        if available_gb() < need:
            entry["skipped"] = f"{available_gb():.1f} GB available, {need:.1f} GB wanted"
            print(f"{people}: skipped ({entry['skipped']})", file=sys.stderr, flush=True)
            continue
        if not (pipeline_bench.linked_dir(people) / "persons.parquet").is_file():
            print(f"{people}: simulating the linked extract…", file=sys.stderr, flush=True)
            entry["simulate"] = pipeline_bench.timed(["simulate", str(people)])
        for attempt in range(1 if people > once_above else repeats):
            before = os.getloadavg()
            outcome = pipeline_bench.timed(["pipeline", str(people), "--engine", "duckdb"])
            outcome["process_wall_seconds"] = wall_seconds(outcome.pop("process_wall", None))
            outcome["load_before"] = [round(x, 2) for x in before]
            outcome["load_after"] = [round(x, 2) for x in os.getloadavg()]
            outcome.pop("chosen_model", None)
            entry["runs"].append(outcome)
            print(f"{people} run {attempt + 1}: {json.dumps(outcome)[:240]}", file=sys.stderr, flush=True)
            entry.update(summarise(entry["runs"]))
            # Written after every run: on a loaded machine a run of all sizes can outlast its window.
            save(result)
    result["finished"] = dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    save(result)
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", type=int, nargs="+", default=list(SIZES))
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--once-above", type=int, default=200_000, help="Sizes above this run once (default 200000).")
    parser.add_argument(
        "--min-free-gb",
        type=float,
        default=8.0,
        help="Memory that must be available before a run expected to use over 2 GB (default 8).",
    )
    parser.add_argument("--out", type=Path, default=HERE / "results")
    parser.add_argument("--plot", type=Path, default=REPO / "docs" / "images" / "bench-scaling.svg")
    parser.add_argument("--keep", action="store_true", help="Keep the simulated extracts for the next run.")
    parser.add_argument("--into", type=Path, help="Add these sizes to an earlier result file (a run cut short).")
    args = parser.parse_args()
    pipeline_bench.ROOT.mkdir(parents=True, exist_ok=True)
    args.out.mkdir(parents=True, exist_ok=True)
    started = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%SZ")
    path = args.into or args.out / f"bench-{started}.json"
    previous = [p for p in sorted(args.out.glob("bench-*.json")) if p.name < path.name]
    into = json.loads(path.read_text()) if args.into else None
    run(
        args.sizes,
        args.repeats,
        args.once_above,
        args.min_free_gb,
        lambda data: path.write_text(json.dumps(data, indent=2) + "\n"),
        into,
    )
    print(f"Results: {path}")
    if not args.keep:
        for people in args.sizes:
            shutil.rmtree(pipeline_bench.linked_dir(people), ignore_errors=True)
    import plot_bench

    print(f"Plot: {plot_bench.plot(sorted(args.out.glob('bench-*.json'))[-1], args.plot)}")
    if previous:
        import regression

        flagged = regression.main([str(previous[-1]), str(path)])
        sys.exit(flagged)


if __name__ == "__main__":
    main()
