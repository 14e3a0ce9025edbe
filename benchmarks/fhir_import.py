"""Benchmark FHIR import against the parse floor (issue #15; docs/benchmarks.md).

Two commands over the same folder of bundles, timed side by side by `farm-bench --vs`:

    octopus generate /tmp/fhir-bench --residents 20000 --area Westminster --gp-format fhir
    farm-bench -n 3 --timeout 1800 --vs "python benchmarks/fhir_import.py /tmp/fhir-bench/fhir --parse-only" \
        -- python benchmarks/fhir_import.py /tmp/fhir-bench/fhir

`--parse-only` is the floor: a plain `json.load` of every bundle, nothing else. Without it, every
delivery folder (`<delivery>/<sender>/`) is imported into a fresh feed store (deleted afterwards)
with `import_fhir_deliveries` (all folders read, then each feed's files loaded together), or with
`--per-folder` one folder at a time by `octopus feeds load-fhir`'s function.
"""

import argparse
import json
import shutil
import tempfile
from pathlib import Path

parser = argparse.ArgumentParser()
parser.add_argument("root", type=Path, help="The generator's fhir/ folder (or any folder of bundle folders).")
parser.add_argument("--parse-only", action="store_true", help="Only json.load every bundle: the floor.")
parser.add_argument(
    "--per-folder",
    action="store_true",
    help="Import each folder on its own (import_fhir_directory), as before import_fhir_deliveries.",
)
args = parser.parse_args()
bundles = sorted(args.root.rglob("*.json"))
if args.parse_only:
    entries = 0
    for path in bundles:
        with path.open("rb") as handle:
            entries += len(json.load(handle).get("entry", []))
    print(f"{len(bundles)} bundles, {entries} entries parsed")
else:
    from octopus.population.feeds.fhir import import_fhir_deliveries, import_fhir_directory
    from octopus.population.feeds.store import FeedStore

    data_dir = Path(tempfile.mkdtemp(prefix="octopus-fhir-bench-"))
    folders = sorted({path.parent for path in bundles})
    try:
        with FeedStore.open(data_dir) as store:
            if args.per_folder:
                reports = [import_fhir_directory(store, folder, sender_code=folder.name) for folder in folders]
            else:
                reports = import_fhir_deliveries(store, [(folder, folder.name) for folder in folders])
            for report in reports:
                print(report.summary_lines()[0])
    finally:
        shutil.rmtree(data_dir)
