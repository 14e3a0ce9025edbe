"""Benchmark the Synthetic London generator: residents/s and peak memory.

Usage (measure with /usr/bin/time -v for peak RSS; outputs are deleted afterwards unless --keep):

    PYTHONPATH=src /usr/bin/time -v python benchmarks/generate.py --preset westminster \
        --format parquet [--gp-format fhir] --out /tmp/octopus-synth-bench/westminster

Prints wall time and process CPU time: on a shared machine the CPU figure says what the
generator costs, the wall figure what a user waited.
"""

import argparse
import platform
import resource
import shutil
import time
from pathlib import Path

from octopus.synthetic import generate

parser = argparse.ArgumentParser()
parser.add_argument("--preset", default="westminster")
parser.add_argument("--residents", type=int)
parser.add_argument("--area")
parser.add_argument("--format", default="parquet")
parser.add_argument("--gp-format", help="fhir: GP feeds as FHIR R4 bundles.")
parser.add_argument("--out", default="/tmp/octopus-synth-bench/generate")
parser.add_argument("--keep", action="store_true", help="Keep the output (for generate_realism.py).")
args = parser.parse_args()
start, cpu = time.perf_counter(), time.process_time()
manifest = generate(
    args.out,
    preset=None if args.area else args.preset,
    residents=args.residents,
    areas=args.area.split(",") if args.area else None,
    as_of="2026-11-01",
    fmt=args.format,
    gp_format=args.gp_format,
    progress=True,
)
elapsed, cpu = time.perf_counter() - start, time.process_time() - cpu
size_mb = sum(p.stat().st_size for p in Path(args.out).rglob("*") if p.is_file()) / 2**20
if not args.keep:
    shutil.rmtree(args.out)
peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
print(
    f"{platform.node()} {platform.machine()} | {manifest.residents:,} residents | "
    f"{sum(manifest.counts.values()):,} rows | "
    f"{len(manifest.files)} files + {manifest.fhir_bundles} FHIR bundles ({size_mb:,.0f} MB) | "
    f"wall {elapsed:.1f} s = {manifest.residents / elapsed:,.0f} residents/s | "
    f"CPU {cpu:.1f} s = {manifest.residents / cpu:,.0f} residents/CPU-s | peak RSS {peak_mb:,.0f} MB"
)
