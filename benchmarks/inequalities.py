"""Inequalities page figures at 1M residents: the pipeline's aggregation and the page's work.

Usage:
    PYTHONPATH=src python -u benchmarks/inequalities.py prepare DIR [--residents 1000000]
    PYTHONPATH=src python -u benchmarks/inequalities.py page DIR [--requests 20] [--objectors 50]

``prepare`` writes a synthetic ``residents.parquet`` with the columns the aggregation reads (ages
0-100, two sexes, six ethnic groups, IMD quintiles with 2% unknown, the practices of two real
London PCNs' boroughs, prevention statuses, admissions, A&E attendances and readmissions) and
runs ``population.inequalities`` on DuckDB into ``inequalities.parquet``, printing the time.
``page`` does what the Inequalities view does for every indicator and breakdown (read the
snapshot's counts, subtract late objectors, build the view, write the CSV), ``--requests`` times
each after one unmeasured warm-up, and prints p50/p95/max per call. For the whole process, run
``page`` under farm-bench (docs/benchmarks.md).
"""

import argparse
import statistics
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
parser.add_argument("mode", choices=["prepare", "page"])
parser.add_argument("folder", type=Path)
parser.add_argument("--residents", type=int, default=1_000_000)
parser.add_argument("--requests", type=int, default=20)
parser.add_argument("--objectors", type=int, default=50)
args = parser.parse_args()


def prepare(folder: Path, n: int) -> None:
    from octopus import reference
    from octopus.population import engines
    from octopus.population.features.demographics import AGE_BANDS
    from octopus.population.inequalities import inequality_counts, long_counts

    rng = np.random.default_rng(17)
    practices = reference.practices()
    practices = practices[practices["borough_name"].isin(["Westminster", "Kensington and Chelsea"])]["practice_code"]
    age = rng.integers(0, 101, n)
    bands = np.array([label for _, label in AGE_BANDS])
    lows = np.array([low for low, _ in AGE_BANDS])
    statuses = np.array(["up_to_date", "overdue", "never", "declined", "not_eligible"])
    quintile = pd.array(rng.integers(1, 6, n), dtype="Int64")
    quintile[rng.random(n) < 0.02] = pd.NA
    frame = pd.DataFrame(
        {
            "person_id": [f"P{i:08d}" for i in range(n)],
            "age": age,
            "age_band": bands[np.searchsorted(lows, age, side="right") - 1],
            "sex": rng.choice(["female", "male"], n),
            "ethnicity_group": rng.choice(
                [
                    "White",
                    "Asian or Asian British",
                    "Black or Black British",
                    "Mixed",
                    "Chinese or other",
                    "Not recorded",
                ],
                n,
            ),
            "imd_quintile": quintile,
            "practice_ods_code": rng.choice(practices.to_numpy(), n),
            "analytics_excluded": rng.random(n) < 0.03,
            "emergency_admissions": rng.poisson(0.1 + age / 400),
            "ae_attendances": rng.poisson(0.3),
            "readmission_index_discharges": rng.poisson(0.12, n),
        }
    )
    frame["emergency_readmissions_30_days"] = rng.binomial(frame["readmission_index_discharges"], 0.14)
    for programme in (
        "bowel_screening",
        "breast_screening",
        "cervical_screening",
        "nhs_health_check",
        "flu_vaccination",
        "mmr_vaccination",
        "diabetes_care_processes",
    ):
        frame[f"{programme}_status"] = rng.choice(statuses, n, p=[0.35, 0.1, 0.1, 0.05, 0.4])
    folder.mkdir(parents=True, exist_ok=True)
    frame.to_parquet(folder / "residents.parquet", index=False)
    con = engines.connect()
    started = time.perf_counter()
    table = con.read_parquet(str(folder / "residents.parquet"))
    counts = long_counts(engines.execute(con, inequality_counts(table)))
    counts.to_parquet(folder / "inequalities.parquet", index=False)
    print(f"aggregated {n:,} residents into {len(counts):,} rows in {time.perf_counter() - started:.2f} s")


def page(folder: Path, requests: int, objectors: int) -> None:
    from octopus.insights import inequalities

    ids = pd.read_parquet(folder / "residents.parquet", columns=["person_id"])["person_id"]
    excluded = set(ids.sample(objectors, random_state=3)) if objectors else set()
    combos = [(i.name, b) for i in inequalities.INDICATORS for b, _ in inequalities.BREAKDOWNS]
    timings: list[float] = []
    for round_ in range(requests + 1):
        for indicator, breakdown in combos:
            started = time.perf_counter()
            counts = inequalities.current_counts(folder, excluded)
            view = inequalities.indicator_view(counts, indicator, breakdown)
            view.csv()
            if round_:
                timings.append(time.perf_counter() - started)
    timings.sort()
    p95 = timings[int(0.95 * (len(timings) - 1))]
    print(
        f"{len(timings)} views ({len(combos)} indicator x breakdown, {requests} rounds): "
        f"p50 {statistics.median(timings) * 1000:.1f} ms, p95 {p95 * 1000:.1f} ms, max {timings[-1] * 1000:.1f} ms"
    )


if __name__ == "__main__":
    if args.mode == "prepare":
        prepare(args.folder, args.residents)
    else:
        page(args.folder, args.requests, args.objectors)
    sys.stdout.flush()
