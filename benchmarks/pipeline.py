"""Population pipeline benchmark: linked extract -> published snapshot, against two yardsticks.

    python benchmarks/pipeline.py all --people 275000 1000000 [--spark 1000000] [--keep]
    python benchmarks/pipeline.py features 1000000 [--no-pandas]   (an extract already simulated)

For each size it writes a simulated linked extract (``simulate_linked_at_scale``, ~24 rows a
person) to ``/tmp/octopus-bench/linked-N/`` and runs, each in its own process under
``/usr/bin/time -v`` (elapsed time and peak resident memory):

- ``pipeline``: ``run_pipeline`` on DuckDB (or Spark), with the pipeline's own step timings;
- ``features``/``polars``/``pandas``: the risk model's features at the as-of date built by our
  engine (``peers/octopus_features.py``) and by the competent polars and pandas peers
  (``peers/polars_features.py``, ``peers/pandas_features.py``), each a whole process writing
  Parquet; ``peers/compare.py`` then checks that the peers' rows and values are ours;
- ``scan``: DuckDB reading every column of every input file once — the floor.

For ratios, time whole processes repeatedly and alternately (A B A B ..., ratio pair by pair;
median and range of at least three pairs) with any harness that does so, e.g. three alternating
``/usr/bin/time -v`` runs of ``peers/octopus_features.py`` and ``peers/polars_features.py``.

Results go to ``/tmp/octopus-bench/results.json`` and print as the Markdown table in
``docs/benchmarks.md``. Big outputs are deleted unless ``--keep``. Run heavy sizes one at a time
on a shared machine.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

# OCTOPUS_BENCH_DIR keeps concurrent benchmark runs out of each other's way.
ROOT = Path(os.environ.get("OCTOPUS_BENCH_DIR", "/tmp/octopus-bench"))
AS_OF = dt.date(2025, 3, 31)


def linked_dir(people: int) -> Path:
    return ROOT / f"linked-{people}"


def cmd_simulate(people: int) -> dict:
    from octopus.population.simulate import simulate_linked_at_scale

    started = time.perf_counter()
    simulate_linked_at_scale(linked_dir(people), people=people, as_of=AS_OF)
    return {"seconds": round(time.perf_counter() - started, 1)}


def cmd_pipeline(people: int, engine: str) -> dict:
    from octopus.population.pipeline import PipelineConfig, run_pipeline

    out = ROOT / f"snapshots-{engine}-{people}"
    started = time.perf_counter()
    info = run_pipeline(linked_dir(people), out, as_of=AS_OF, engine=engine, config=PipelineConfig(show_progress=False))
    total = time.perf_counter() - started
    shutil.rmtree(out, ignore_errors=True)
    return {"seconds": round(total, 1), "steps": info.timings, "cpu": info.cpu, "chosen_model": info.chosen_model}


def cmd_scan(people: int) -> dict:
    import duckdb

    con = duckdb.connect()
    started = time.perf_counter()
    for path in sorted(linked_dir(people).glob("*.parquet")):
        con.sql(f"SELECT sum(hash(COLUMNS(*))) FROM read_parquet('{path}')").fetchall()
    return {"seconds": round(time.perf_counter() - started, 1)}


def timed(args: list[str]) -> dict:
    """Run this script's subcommand under /usr/bin/time -v; return its JSON plus peak memory."""
    proc = subprocess.run(["/usr/bin/time", "-v", sys.executable, __file__, *args], capture_output=True, text=True)
    if proc.returncode:
        return {"error": proc.stderr[-2000:]}
    return _process_figures(json.loads(proc.stdout.strip().splitlines()[-1]), proc.stderr)


def _process_figures(result: dict, stderr: str) -> dict:
    """Elapsed time, CPU (user + system) and peak memory from /usr/bin/time -v's report."""
    peak = re.search(r"Maximum resident set size \(kbytes\): (\d+)", stderr)
    wall = re.search(r"Elapsed \(wall clock\) time.*: (.+)", stderr)
    result["peak_memory_gb"] = round(int(peak.group(1)) / 1024**2, 2) if peak else None
    result["process_wall"] = wall.group(1).strip() if wall else None
    cpu = [float(x) for x in re.findall(r"(?:User|System) time \(seconds\): ([\d.]+)", stderr)]
    result["process_cpu_seconds"] = round(sum(cpu), 1) if cpu else None
    return result


PEERS = Path(__file__).parent / "peers"


def timed_script(script: str, args: list[str]) -> dict:
    """A peer (or our side of the comparison) as its own process under /usr/bin/time -v."""
    proc = subprocess.run(
        ["/usr/bin/time", "-v", sys.executable, str(PEERS / script), *args], capture_output=True, text=True
    )
    if proc.returncode:
        return {"error": proc.stderr[-2000:]}
    return _process_figures({}, proc.stderr)


def cmd_features(people: int, pandas: bool) -> dict:
    """Our features, the polars and (optionally) the pandas peer at one size, checked equal."""
    reference = ROOT / "peer-reference"
    if not (reference / "constants.json").is_file():
        subprocess.run([sys.executable, str(PEERS / "peer_reference.py"), str(reference)], check=True)
    linked, as_of = str(linked_dir(people)), AS_OF.isoformat()
    outputs = {name: str(ROOT / f"features-{name}-{people}.parquet") for name in ("ours", "polars", "pandas")}
    results = {
        "ours": timed_script("octopus_features.py", [linked, as_of, outputs["ours"]]),
        "polars": timed_script("polars_features.py", [str(reference), linked, as_of, outputs["polars"]]),
    }
    if pandas:
        results["pandas"] = timed_script("pandas_features.py", [str(reference), linked, as_of, outputs["pandas"]])
    check = subprocess.run(
        [
            sys.executable,
            str(PEERS / "compare.py"),
            outputs["ours"],
            *(outputs[name] for name in results if name != "ours"),
        ],
        capture_output=True,
        text=True,
    )
    results["equal"] = check.returncode == 0
    results["check"] = check.stdout.strip()
    for path in outputs.values():
        Path(path).unlink(missing_ok=True)
    return results


def cmd_all(people_list: list[int], spark: list[int], pandas: bool, keep: bool) -> dict:
    results_path = ROOT / "results.json"
    results = json.loads(results_path.read_text()) if results_path.is_file() else {}
    for people in people_list:
        entry = results.setdefault(str(people), {})
        if not (linked_dir(people) / "persons.parquet").is_file():
            entry["simulate"] = timed(["simulate", str(people)])
        for name, args in (
            ("scan", ["scan", str(people)]),
            ("duckdb", ["pipeline", str(people), "--engine", "duckdb"]),
            ("features", None),
            *([("spark", ["pipeline", str(people), "--engine", "spark"])] if people in spark else []),
        ):
            print(f"{people}: {name}…", file=sys.stderr, flush=True)
            entry[name] = cmd_features(people, pandas) if args is None else timed(args)
            print(f"{people}: {name} {json.dumps(entry[name])[:300]}", file=sys.stderr, flush=True)
            results_path.write_text(json.dumps(results, indent=2))
        if not keep:
            shutil.rmtree(linked_dir(people), ignore_errors=True)
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True)
    for name in ("simulate", "scan"):
        sub.add_parser(name).add_argument("people", type=int)
    p = sub.add_parser("pipeline")
    p.add_argument("people", type=int)
    p.add_argument("--engine", default="duckdb")
    f = sub.add_parser("features")
    f.add_argument("people", type=int)
    f.add_argument("--no-pandas", action="store_true")
    a = sub.add_parser("all")
    a.add_argument("--people", type=int, nargs="+", default=[275_000, 1_000_000])
    a.add_argument("--spark", type=int, nargs="*", default=[1_000_000])
    a.add_argument("--no-pandas", action="store_true")
    a.add_argument("--keep", action="store_true")
    args = parser.parse_args()
    ROOT.mkdir(parents=True, exist_ok=True)
    if args.command == "all":
        print(json.dumps(cmd_all(args.people, args.spark, not args.no_pandas, args.keep), indent=2))
    elif args.command == "pipeline":
        print(json.dumps(cmd_pipeline(args.people, args.engine)))
    elif args.command == "features":
        print(json.dumps(cmd_features(args.people, not args.no_pandas), indent=2))
    else:
        print(json.dumps(globals()[f"cmd_{args.command}"](args.people)))


if __name__ == "__main__":
    main()
