"""Benchmark the Synthetic London generator: residents/s and peak memory.

Usage: PYTHONPATH=src python benchmarks/generate.py --preset westminster [--format csv]
"""

import argparse
import platform
import resource
import tempfile
import time

from octopus.synthetic import generate

parser = argparse.ArgumentParser()
parser.add_argument("--preset", default="westminster")
parser.add_argument("--residents", type=int)
parser.add_argument("--area")
parser.add_argument("--format", default="csv")
args = parser.parse_args()
with tempfile.TemporaryDirectory() as out:
    start = time.perf_counter()
    manifest = generate(out, preset=None if args.area else args.preset, residents=args.residents, areas=args.area.split(",") if args.area else None, as_of="2026-11-01", fmt=args.format, progress=False)
    elapsed = time.perf_counter() - start
peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
print(f"{platform.node()} {platform.processor() or platform.machine()} | {manifest.residents:,} residents | {sum(manifest.counts.values()):,} rows | {elapsed:.1f} s | {manifest.residents / elapsed:,.0f} residents/s | peak RSS {peak_mb:,.0f} MB")
