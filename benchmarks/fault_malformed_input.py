"""Malformed input to the data commands, at full size: exit code, message, what was stored, peak memory.

    python benchmarks/fault_malformed_input.py [--work /tmp/octopus-malformed] [--gigabytes 2]

Each case runs the real ``octopus`` command in its own process under ``/usr/bin/time -v`` with a
fresh data folder and checks: a non-zero exit, no Python trace, the message naming the file and
the cause, and nothing stored (no delivery, no quarantined row, no feed row, no snapshot). The
quick versions are in ``tests/unit/feeds/test_malformed_input.py``; this adds the 2 GB files,
where what matters is that memory stays bounded, and prints a Markdown table for
docs/reliability.md. Large files are deleted afterwards.

Cases: a truncated Parquet feed; a UTF-16 CSV; a 2 GB file with no line break (header never
ends); a valid header followed by one 2 GB row; a FHIR "bundle" that is not JSON; and
``octopus pipeline run`` over a linked extract whose persons file is truncated.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

import duckdb

ROOT = Path(__file__).resolve().parents[1]
GOOD = ROOT / "tests" / "fixtures" / "feeds" / "apc_spells__RYJ__good.csv"


def big_file(path: Path, gigabytes: float, head: bytes = b"") -> Path:
    chunk = b"x" * (64 * 2**20)
    remaining = int(gigabytes * 2**30)
    with path.open("wb") as handle:
        handle.write(head)
        while remaining > 0:
            handle.write(chunk[:remaining])
            remaining -= len(chunk)
    return path


def cases(work: Path, gigabytes: float) -> list[tuple[str, list[str], str]]:
    inputs = work / "inputs"
    inputs.mkdir(parents=True, exist_ok=True)
    whole = inputs / "whole.parquet"
    duckdb.sql(f"COPY (SELECT * FROM read_csv('{GOOD}', all_varchar=true)) TO '{whole}' (FORMAT parquet)")
    truncated = inputs / "apc_spells__RYJ__truncated.parquet"
    truncated.write_bytes(whole.read_bytes()[: whole.stat().st_size // 2])
    utf16 = inputs / "apc_spells__RYJ__utf16.csv"
    utf16.write_bytes(GOOD.read_text().encode("utf-16"))
    one_line = big_file(inputs / "apc_spells__RYJ__oneline.csv", gigabytes)
    header = GOOD.read_text().splitlines()[0].encode() + b"\n"
    long_row = big_file(inputs / "apc_spells__RYJ__longrow.csv", gigabytes, head=header)
    fhir = inputs / "fhir"
    fhir.mkdir(exist_ok=True)
    (fhir / "bundle.json").write_text('{"resourceType": "Bundle", "entry": [ this is not JSON')
    linked = work / "pipeline-var" / "linked"
    subprocess.run(
        [
            sys.executable,
            "-c",
            "import datetime; from octopus.population.simulate import simulate_linked; "
            f"simulate_linked({str(linked)!r}, people=200, as_of=datetime.date(2025, 3, 31))",
        ],
        check=True,
    )
    persons = linked / "persons.parquet"
    persons.write_bytes(persons.read_bytes()[: persons.stat().st_size // 2])
    return [
        ("truncated Parquet", ["feeds", "load", str(truncated)], truncated.name),
        ("UTF-16 CSV", ["feeds", "load", str(utf16)], utf16.name),
        (f"{gigabytes:g} GB with no line break", ["feeds", "load", str(one_line)], one_line.name),
        (f"a header, then one {gigabytes:g} GB row", ["feeds", "load", str(long_row)], long_row.name),
        ("FHIR that is not JSON", ["feeds", "load-fhir", str(fhir)], "bundle.json"),
        (
            "linked extract with a truncated Parquet file",
            ["pipeline", "run", "--as-of", "2025-03-31"],
            "persons.parquet",
        ),
    ]


def nothing_stored(data: Path) -> bool:
    store = data / "feeds" / "store.duckdb"
    if store.exists():
        with duckdb.connect(str(store), read_only=True) as con:
            tables = [r[0] for r in con.execute("SELECT table_name FROM information_schema.tables").fetchall()]
            for table in ["deliveries", "quarantine", *[t for t in tables if t.startswith("feed_")]]:
                if table in tables and con.execute(f"SELECT count(*) FROM {table}").fetchone()[0]:
                    return False
    snapshots = data / "snapshots"
    return not snapshots.exists() or not any(snapshots.iterdir())


def run_case(name: str, args: list[str], file_name: str, data: Path) -> dict:
    env = dict(os.environ, COLUMNS="400")
    started = time.perf_counter()
    proc = subprocess.run(
        ["/usr/bin/time", "-v", sys.executable, "-m", "octopus.cli", *args, "--data-dir", str(data)],
        capture_output=True,
        text=True,
        env=env,
    )
    seconds = time.perf_counter() - started
    output = proc.stdout + proc.stderr
    peak = re.search(r"Maximum resident set size \(kbytes\): (\d+)", proc.stderr)
    said = [
        line.strip()
        for line in output.splitlines()
        if file_name in line and ("Rejected" in line or "Error" in line or "error" in line or "cannot" in line)
    ]
    return {
        "case": name,
        "command": f"octopus {' '.join(args[:2])}",
        "exit": proc.returncode,
        "seconds": round(seconds, 1),
        "peak_mb": round(int(peak.group(1)) / 1024) if peak else None,
        "message": said[0][:300] if said else output.strip().splitlines()[-1][:300] if output.strip() else "",
        "names_file": bool(said),
        "traceback": "Traceback" in output,
        "nothing_stored": nothing_stored(data),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--work", type=Path, default=Path("/tmp/octopus-malformed"))
    parser.add_argument("--gigabytes", type=float, default=2.0)
    args = parser.parse_args()
    shutil.rmtree(args.work, ignore_errors=True)
    results = []
    try:
        for name, command, file_name in cases(args.work, args.gigabytes):
            data = args.work / ("pipeline-var" if command[0] == "pipeline" else f"var-{len(results)}")
            results.append(run_case(name, command, file_name, data))
            print(json.dumps(results[-1]), file=sys.stderr, flush=True)
    finally:
        shutil.rmtree(args.work, ignore_errors=True)
    print(f"load average {os.getloadavg()[0]:.1f}")
    print("| input | command | exit | peak memory | time | nothing stored | message |")
    print("|---|---|---|---|---|---|---|")
    for r in results:
        ok = r["exit"] != 0 and not r["traceback"] and r["nothing_stored"] and r["names_file"]
        print(
            f"| {r['case']} | `{r['command']}` | {r['exit']} | {r['peak_mb']} MB | {r['seconds']} s | "
            f"{'yes' if r['nothing_stored'] else 'NO'} | {'' if ok else '**FAIL** '}{r['message']} |"
        )


if __name__ == "__main__":
    main()
