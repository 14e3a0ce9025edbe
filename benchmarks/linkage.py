"""Measure person linkage on a generator output folder with known truth.

    PYTHONPATH=src python -u benchmarks/linkage.py OUT [--data-dir DIR] [--upper 0.99] [--lower 0.5]
        [--per-file] [--threads N] [--memory-limit 4GB] [--progress-every 30]

OUT is `octopus.synthetic` output: OUT/feeds/<feed>__<sender>__<date>.csv and
OUT/truth/record_truth.parquet (feed, sender_code, source_record_id, true_person_id). Loads every
feed file (skipped if the store already holds it), links, writes the linked extract and prints
timings and pairwise precision and recall for rows without NHS numbers. At 1M residents, give it
a --data-dir on a fast disk and expect the load to dominate.

Each phase line gives wall time, this process's CPU time (user + system) and the peak resident
memory so far: on a shared machine wall time says more about the neighbours than about the code,
so CPU time is what to compare between runs. --per-file prints one line per file (rows, seconds)
so the largest files' throughput and the small files' fixed cost can be read off. Only counts are
printed, never rows.

Threads and DuckDB's memory limit come from `config/linkage.yaml` (decision 0064) unless
--threads or --memory-limit say otherwise; measure peak memory of the whole process with
`/usr/bin/time -v`. --progress-every prints the link's progress (stage, pairs blocked, compared,
clustered) every so many seconds.
"""

from __future__ import annotations

import argparse
import os
import resource
import tempfile
import time
from pathlib import Path

from octopus.population.feeds.load import load_files
from octopus.population.feeds.store import FeedStore
from octopus.population.feeds.validate import FeedRejected
from octopus.population.linkage.extract import write_linked_extract
from octopus.population.linkage.persons import link_persons
from octopus.population.linkage.quality import measure
from octopus.population.linkage.resources import load_resources, resources_from


class Phase:
    """Wall time, CPU time and peak RSS (so far) of one phase, printed as one line."""

    def __init__(self, name: str):
        self.name = name

    def __enter__(self) -> Phase:
        self.wall, self.cpu = time.perf_counter(), time.process_time()
        return self

    def __exit__(self, *exc) -> None:
        peak_gb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024**2
        print(
            f"{self.name}: {time.perf_counter() - self.wall:.1f}s wall, "
            f"{time.process_time() - self.cpu:.1f}s CPU, peak RSS so far {peak_gb:.2f} GB, "
            f"load average {os.getloadavg()[0]:.1f}"
        )


class ProgressLines:
    """One line per stage change, and one every `every` seconds within a stage."""

    def __init__(self, every: float):
        self.every, self.last, self.stage = every, 0.0, None

    def __call__(self, state) -> None:
        now = time.monotonic()
        if state.stage == self.stage and now - self.last < self.every:
            return
        self.stage, self.last = state.stage, now
        rate, left = state.rate(), state.seconds_left()
        peak_gb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024**2
        print(
            f"  [{state.stage}] {state.done:,}/{state.total if state.total is not None else '?'} {state.unit}"
            f"{f', {rate:,.0f}/s' if rate else ''}{f', ~{left:,.0f}s left' if left is not None else ''}; "
            f"pairs blocked {state.pairs_blocked:,}, compared {state.pairs_compared:,}, "
            f"clustered {state.pairs_clustered:,}; CPU {time.process_time():.0f}s, peak RSS {peak_gb:.2f} GB",
            flush=True,
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("out", type=Path, help="generator output folder (with feeds/ and truth/)")
    parser.add_argument("--data-dir", type=Path, default=None, help="store folder (default: a temporary one)")
    parser.add_argument("--upper", type=float, default=0.99)
    parser.add_argument("--lower", type=float, default=0.5)
    parser.add_argument("--per-file", action="store_true", help="print rows and seconds for every file")
    parser.add_argument("--threads", help="DuckDB threads for linkage (default: config/linkage.yaml)")
    parser.add_argument(
        "--memory-limit", help="DuckDB memory limit for linkage, e.g. 3GB (default: config/linkage.yaml)"
    )
    parser.add_argument("--progress-every", type=float, default=30.0, help="seconds between progress lines")
    args = parser.parse_args()
    resources = load_resources()
    if args.threads or args.memory_limit:
        resources = resources_from(
            {
                "threads": int(args.threads)
                if args.threads and args.threads != "auto"
                else (args.threads or resources.threads),
                "memory_limit": args.memory_limit or resources.memory_limit,
            },
            source="the command line",
        )
    print(f"linkage resources: {resources.describe()}")
    data_dir = args.data_dir or Path(tempfile.mkdtemp(prefix="octopus-linkage-"))
    print(f"load average at start {os.getloadavg()[0]:.1f}")
    with FeedStore.open(data_dir) as store:
        files = sorted((args.out / "feeds").glob("*.csv")) + sorted((args.out / "feeds").glob("*.parquet"))
        rows = refused = 0
        with Phase(f"load ({len(files)} files)"):
            began = time.perf_counter()
            # Small files of one feed load together: a group's cost shows on its first file, the rest 0 s.
            for path, result in load_files(store, files):
                seconds, began = time.perf_counter() - began, time.perf_counter()
                if isinstance(result, FeedRejected):
                    refused += 1
                    print(f"REJECTED {result}")
                    continue
                rows += result.row_count
                if args.per_file:
                    print(f"{path.name}: {result.row_count} rows in {seconds:.2f}s")
        print(f"loaded {rows} rows from {len(files) - refused} files; {refused} refused whole")
        with Phase("link") as phase:
            summary = link_persons(
                store,
                upper=args.upper,
                lower=args.lower,
                resources=resources,
                progress=ProgressLines(args.progress_every),
            )
        print(f"  {phase.name}: {summary.describe()}")
        with Phase("extract"):
            write_linked_extract(store)
        with Phase("quality"):
            quality = measure(store, args.out / "truth" / "record_truth.parquet")
    print(
        f"rows without NHS number: {quality.records_without_nhs_number}; pairs true {quality.true_pairs}, "
        f"predicted {quality.predicted_pairs}, correct {quality.correct_pairs}; "
        f"precision {quality.precision:.4f}, recall {quality.recall:.4f}"
    )


if __name__ == "__main__":
    main()
