"""Population pipeline benchmark: linked extract -> published snapshot, against two yardsticks.

    python benchmarks/pipeline.py all --people 275000 1000000 [--spark 1000000] [--keep]

For each size it writes a simulated linked extract (``simulate_linked_at_scale``, ~24 rows a
person) to ``/tmp/octopus-bench/linked-N/`` and runs, each in its own process under
``/usr/bin/time -v`` (elapsed time and peak resident memory):

- ``pipeline``: ``run_pipeline`` on DuckDB (or Spark), with the pipeline's own step timings;
- ``pandas``: the same current-date features written the way an analyst would in pandas
  (read the files, filter, merge code lists, group by person) — the "straightforward" baseline;
- ``scan``: DuckDB reading every column of every input file once — the floor.

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
    info = run_pipeline(linked_dir(people), out, as_of=AS_OF, engine=engine,
                        config=PipelineConfig(show_progress=False))
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


def cmd_pandas(people: int) -> dict:
    """Current-date features as an analyst would write them in pandas (one as-of date)."""
    import pandas as pd

    from octopus.population.features.conditions import CONDITIONS, condition_codes, ltc_column
    from octopus.population.features.frailty import efi_codes, hfrs_points

    started = time.perf_counter()
    d = linked_dir(people)
    as_of = pd.Timestamp(AS_OF)
    year_start = as_of - pd.Timedelta(days=365)
    persons = pd.read_parquet(d / "persons.parquet")
    persons["date_of_birth"] = pd.to_datetime(persons["date_of_birth"])
    out = persons[["person_id", "sex", "lsoa_code"]].copy()
    out["age"] = (as_of - persons["date_of_birth"]).dt.days // 365
    events = pd.read_parquet(d / "gp_events.parquet", columns=["person_id", "event_date", "snomed_code"])
    events["event_date"] = pd.to_datetime(events["event_date"])
    events = events[events["event_date"] <= as_of]
    coded = events.merge(condition_codes(), left_on="snomed_code", right_on="cond_code")
    latest = coded.pivot_table(index="person_id", columns=["condition", "kind"], values="event_date", aggfunc="max")
    for condition in CONDITIONS:
        dx = latest.get((condition.name, "dx"))
        res = latest.get((condition.name, "res"))
        if dx is None:
            flag = pd.Series(False, index=latest.index)
        else:
            flag = dx.notna() & (res.isna() | (dx > res)) if res is not None else dx.notna()
        out[ltc_column(condition)] = out["person_id"].map(flag).fillna(False).astype(bool)
    deficits = events.merge(efi_codes(), left_on="snomed_code", right_on="efi_code")
    out["efi_deficits"] = out["person_id"].map(deficits.groupby("person_id")["efi_deficit"].nunique()).fillna(0)
    spells = pd.read_parquet(d / "apc_spells.parquet")
    spells["admission_date"] = pd.to_datetime(spells["admission_date"])
    recent = spells[(spells["admission_date"] > as_of - pd.Timedelta(days=730)) & (spells["admission_date"] <= as_of)]
    codes = (recent["primary_diagnosis"].fillna("") + "|" + recent["secondary_diagnoses"].fillna("")).str.replace(".", "")
    long = pd.DataFrame({"person_id": recent["person_id"], "code": codes.str.split("|")}).explode("code")
    long["hfrs_code"] = long["code"].str[:3]
    points = long.merge(hfrs_points(), on="hfrs_code").drop_duplicates(["person_id", "hfrs_code"])
    out["hfrs"] = out["person_id"].map(points.groupby("person_id")["hfrs_points"].sum()).fillna(0.0)
    in_year = spells[(spells["admission_date"] > year_start) & (spells["admission_date"] <= as_of)]
    for method in ("emergency", "elective"):
        counts = in_year[in_year["admission_method"] == method].groupby("person_id").size()
        out[f"{method}_admissions"] = out["person_id"].map(counts).fillna(0).astype(int)
    for feed, column, name in (("ae_attendances", "arrival_datetime", "ae_attendances"),
                               ("op_attendances", "appointment_date", "outpatient_attendances"),
                               ("gp_appointments", "appointment_date", "gp_contacts"),
                               ("las_incidents", "incident_datetime", "ambulance_calls"),
                               ("mh_contacts", "contact_date", "mental_health_contacts"),
                               ("community_contacts", "contact_date", "community_contacts")):
        rows = pd.read_parquet(d / f"{feed}.parquet")
        when = pd.to_datetime(rows[column])
        rows = rows[(when > year_start) & (when <= as_of)]
        out[name] = out["person_id"].map(rows.groupby("person_id").size()).fillna(0).astype(int)
        if "cost_gbp" in rows:
            out[f"{name}_cost"] = out["person_id"].map(rows.groupby("person_id")["cost_gbp"].sum().astype(float)).fillna(0.0)
    return {"seconds": round(time.perf_counter() - started, 1), "rows": len(out)}


def timed(args: list[str]) -> dict:
    """Run this script's subcommand under /usr/bin/time -v; return its JSON plus peak memory."""
    proc = subprocess.run(["/usr/bin/time", "-v", sys.executable, __file__, *args],
                          capture_output=True, text=True)
    if proc.returncode:
        return {"error": proc.stderr[-2000:]}
    result = json.loads(proc.stdout.strip().splitlines()[-1])
    peak = re.search(r"Maximum resident set size \(kbytes\): (\d+)", proc.stderr)
    wall = re.search(r"Elapsed \(wall clock\) time.*: (.+)", proc.stderr)
    result["peak_memory_gb"] = round(int(peak.group(1)) / 1024**2, 2) if peak else None
    result["process_wall"] = wall.group(1).strip() if wall else None
    cpu = [float(x) for x in re.findall(r"(?:User|System) time \(seconds\): ([\d.]+)", proc.stderr)]
    result["process_cpu_seconds"] = round(sum(cpu), 1) if cpu else None
    return result


def cmd_all(people_list: list[int], spark: list[int], pandas: bool, keep: bool) -> dict:
    results_path = ROOT / "results.json"
    results = json.loads(results_path.read_text()) if results_path.is_file() else {}
    for people in people_list:
        entry = results.setdefault(str(people), {})
        if not (linked_dir(people) / "persons.parquet").is_file():
            entry["simulate"] = timed(["simulate", str(people)])
        for name, args in (("scan", ["scan", str(people)]),
                           ("duckdb", ["pipeline", str(people), "--engine", "duckdb"]),
                           *([("pandas", ["pandas", str(people)])] if pandas else []),
                           *([("spark", ["pipeline", str(people), "--engine", "spark"])] if people in spark else [])):
            print(f"{people}: {name}…", file=sys.stderr, flush=True)
            entry[name] = timed(args)
            print(f"{people}: {name} {json.dumps(entry[name])[:300]}", file=sys.stderr, flush=True)
            results_path.write_text(json.dumps(results, indent=2))
        if not keep:
            shutil.rmtree(linked_dir(people), ignore_errors=True)
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True)
    for name in ("simulate", "scan", "pandas"):
        sub.add_parser(name).add_argument("people", type=int)
    p = sub.add_parser("pipeline")
    p.add_argument("people", type=int)
    p.add_argument("--engine", default="duckdb")
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
    else:
        print(json.dumps(globals()[f"cmd_{args.command}"](args.people)))


if __name__ == "__main__":
    main()
