"""Time loading a generator output folder into a fresh feed store.

    PYTHONPATH=src python benchmarks/load.py OUT [--data-dir DIR]

OUT is `octopus.synthetic` output (OUT/feeds/<feed>__<sender>__<date>.csv). Prints rows, seconds and
rows per second for each file and in total. Only counts are printed, never rows.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

from octopus.population.feeds.load import load_file
from octopus.population.feeds.store import FeedStore
from octopus.population.feeds.validate import FeedRejected


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("out", type=Path, help="generator output folder (with feeds/)")
    parser.add_argument("--data-dir", type=Path, default=None, help="store folder (default: a temporary one)")
    args = parser.parse_args()
    data_dir = args.data_dir or Path(tempfile.mkdtemp(prefix="octopus-load-"))
    files = sorted((args.out / "feeds").glob("*.csv")) + sorted((args.out / "feeds").glob("*.parquet"))
    total_rows, started = 0, time.perf_counter()
    with FeedStore.open(data_dir) as store:
        for path in files:
            began = time.perf_counter()
            try:
                result = load_file(store, path)
            except FeedRejected as error:
                print(f"REJECTED {error}")
                continue
            seconds = time.perf_counter() - began
            total_rows += result.row_count
            print(f"{path.name}: {result.row_count} rows ({result.quarantined_rows} quarantined) "
                  f"in {seconds:.1f}s = {result.row_count / max(seconds, 1e-9):,.0f} rows/s")
    seconds = time.perf_counter() - started
    print(f"TOTAL {total_rows} rows in {seconds:.1f}s = {total_rows / max(seconds, 1e-9):,.0f} rows/s; store {data_dir}")


if __name__ == "__main__":
    main()
