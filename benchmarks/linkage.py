"""Measure person linkage on a generator output folder with known truth.

    PYTHONPATH=src python benchmarks/linkage.py OUT [--data-dir DIR] [--upper 0.99] [--lower 0.5]

OUT is `octopus.synthetic` output: OUT/feeds/<feed>__<sender>__<date>.csv and
OUT/truth/record_truth.parquet (feed, sender_code, source_record_id, true_person_id). Loads every
feed file (skipped if the store already holds it), links, writes the linked extract and prints
timings and pairwise precision and recall for rows without NHS numbers. At 1M residents, give it
a --data-dir on a fast disk and expect the load to dominate.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

from octopus.population.feeds.load import load_file
from octopus.population.feeds.store import FeedStore
from octopus.population.feeds.validate import FeedRejected
from octopus.population.linkage.extract import write_linked_extract
from octopus.population.linkage.persons import link_persons
from octopus.population.linkage.quality import measure


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("out", type=Path, help="generator output folder (with feeds/ and truth/)")
    parser.add_argument("--data-dir", type=Path, default=None, help="store folder (default: a temporary one)")
    parser.add_argument("--upper", type=float, default=0.99)
    parser.add_argument("--lower", type=float, default=0.5)
    args = parser.parse_args()
    data_dir = args.data_dir or Path(tempfile.mkdtemp(prefix="octopus-linkage-"))
    with FeedStore.open(data_dir) as store:
        began = time.perf_counter()
        for path in sorted((args.out / "feeds").glob("*.csv")) + sorted((args.out / "feeds").glob("*.parquet")):
            try:
                load_file(store, path)
            except FeedRejected as error:
                print(f"REJECTED {error}")
        print(f"load: {time.perf_counter() - began:.1f}s")
        began = time.perf_counter()
        summary = link_persons(store, upper=args.upper, lower=args.lower)
        print(f"link: {time.perf_counter() - began:.1f}s — {summary.describe()}")
        began = time.perf_counter()
        write_linked_extract(store)
        print(f"extract: {time.perf_counter() - began:.1f}s")
        quality = measure(store, args.out / "truth" / "record_truth.parquet")
    print(
        f"rows without NHS number: {quality.records_without_nhs_number}; pairs true {quality.true_pairs}, "
        f"predicted {quality.predicted_pairs}, correct {quality.correct_pairs}; "
        f"precision {quality.precision:.4f}, recall {quality.recall:.4f}"
    )


if __name__ == "__main__":
    main()
