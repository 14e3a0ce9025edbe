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

from octopus.population.feeds.load import load_files
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
        began = time.perf_counter()
        # Small files of one feed are loaded together, so a file's time is the time since the
        # previous outcome: for a group, the first file carries the group's cost and the rest show 0 s.
        for path, result in load_files(store, files):
            seconds, began = time.perf_counter() - began, time.perf_counter()
            if isinstance(result, FeedRejected):
                print(f"REJECTED {result}")
                continue
            total_rows += result.row_count
            print(
                f"{path.name}: {result.row_count} rows ({result.quarantined_rows} quarantined) "
                f"in {seconds:.2f}s = {result.row_count / max(seconds, 1e-9):,.0f} rows/s"
            )
    seconds = time.perf_counter() - started
    print(
        f"TOTAL {total_rows} rows in {seconds:.1f}s = {total_rows / max(seconds, 1e-9):,.0f} rows/s; store {data_dir}"
    )


if __name__ == "__main__":
    main()
