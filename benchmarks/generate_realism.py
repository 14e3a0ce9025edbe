"""Realism check for Synthetic London: how predictable is next year's emergency admission?

Fits a logistic regression on prior-12-month features (age, long-term conditions, prior
emergency admissions, A&E attendances, frailty) at as-of minus 12 months against any emergency
admission in the following 12 months, reading only the generated files (feeds + truth). Target:
AUROC about 0.75-0.80, as published models reach (see octopus.synthetic.realism).

    PYTHONPATH=src python benchmarks/generate_realism.py /tmp/octopus-bench/westminster
    PYTHONPATH=src python benchmarks/generate_realism.py --generate westminster   # generate first
"""

import argparse
import shutil
import tempfile

from octopus.synthetic import generate
from octopus.synthetic.realism import predictability

parser = argparse.ArgumentParser()
parser.add_argument("out", nargs="?", help="A generated population's folder (feeds/, truth/, manifest.json).")
parser.add_argument(
    "--generate", metavar="PRESET", help="Generate this preset (Parquet) into a temporary folder first."
)
parser.add_argument("--residents", type=int)
args = parser.parse_args()
folder = args.out
if args.generate:
    folder = tempfile.mkdtemp(prefix="octopus-realism-", dir="/tmp")
    generate(folder, preset=args.generate, residents=args.residents, as_of="2026-11-01", fmt="parquet", progress=True)
try:
    auroc, people = predictability(folder)
finally:
    if args.generate:
        shutil.rmtree(folder)
print(
    f"{len(people):,} residents alive and registered at as-of - 12 months | "
    f"{people['admitted_next_year'].mean():.1%} with an emergency admission in the next 12 months | "
    f"AUROC {auroc:.3f} (target 0.75-0.80)"
)
