"""Benchmark the monthly workforce plan (octopus.outreach.planning) for N CHWWs × 120 households.

Usage: PYTHONPATH=src python benchmarks/outreach_plan.py --chwws 25 [--reference-days 60] [--seconds 2]

Households are points drawn uniformly inside the real 2021 boundaries of Westminster's most
deprived LSOAs (/work/shared/data/lsoa21_boundaries_london_bgc.geojson, or OCTOPUS_LSOA_BOUNDARIES),
5% more than the CHWWs can take, a tenth of them revisits of a Monday-morning knock; each CHWW
starts at a household's point. Prints the time to plan, the total walking distance and, with
``--reference-days``, the route length of that many randomly chosen days against OR-Tools' guided
local search run for ``--seconds`` per day (the "longer solver run").
"""

import argparse
import datetime as dt
import json
import os
import random
import time
from pathlib import Path

from shapely.geometry import Point, shape

from octopus.outreach import planning
from octopus.reference import lsoas_path

BOUNDARIES = Path(os.environ.get("OCTOPUS_LSOA_BOUNDARIES", "/work/shared/data/lsoa21_boundaries_london_bgc.geojson"))


def westminster_polygons(count: int):
    import csv

    with lsoas_path().open(newline="") as handle:
        ranked = sorted(
            (r for r in csv.DictReader(handle) if r["lad24_name"] == "Westminster"), key=lambda r: int(r["imd_rank"])
        )
    wanted = [r["lsoa21_code"] for r in ranked[:count]]
    features = {f["properties"]["lsoa21_code"]: f for f in json.loads(BOUNDARIES.read_text())["features"]}
    return [(code, shape(features[code]["geometry"])) for code in wanted if code in features]


def households(total: int, polygons, rng: random.Random) -> list[planning.Household]:
    made = []
    monday = dt.date(2026, 11, 30)
    while len(made) < total:
        code, polygon = polygons[len(made) % len(polygons)]
        minx, miny, maxx, maxy = polygon.bounds
        while not polygon.contains(p := Point(rng.uniform(minx, maxx), rng.uniform(miny, maxy))):
            pass
        revisit = rng.random() < 0.1
        made.append(
            planning.Household(
                f"H{len(made):06}",
                p.y,
                p.x,
                lsoa=code,
                priority=rng.choice((0, 0, 0, 1, 2)),
                unanswered_on=monday if revisit else None,
                unanswered_morning=True if revisit else None,
            )
        )
    return made


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--chwws", type=int, default=25)
    parser.add_argument("--per", type=int, default=120)
    parser.add_argument("--lsoas", type=int, default=60)
    parser.add_argument("--reference-days", type=int, default=0)
    parser.add_argument("--seconds", type=float, default=2.0)
    args = parser.parse_args()
    rng = random.Random(2026)
    homes = households(int(args.chwws * args.per * 1.05), westminster_polygons(args.lsoas), rng)
    workers = [planning.Worker(f"CHWW {i:03}", (h.lat, h.lon)) for i, h in enumerate(rng.sample(homes, args.chwws))]
    started = time.perf_counter()
    plan = planning.plan_month("2026-12", workers, homes, households_per_chww=args.per)
    seconds = time.perf_counter() - started
    days = [(wp.worker, d) for wp in plan.workers for d in wp.days]
    print(
        f"plan {args.chwws} CHWWs x {args.per}: {seconds:.1f} s, {sum(len(d.households) for _, d in days)} households, "
        f"{len(days)} days, {sum(d.metres for _, d in days) / 1000:.0f} km"
    )
    if args.reference_days:
        sample = rng.sample(days, min(args.reference_days, len(days)))
        ours = longer = 0
        for worker, day in sample:
            origin = day.households[0].lat
            start = planning._xy([worker.start[0]], [worker.start[1]], origin)[0]
            points = planning._pts(day.households, origin)
            ours += planning.route(start, points)[1]
            longer += planning.route(start, points, seconds=args.seconds)[1]
        print(
            f"reference: {len(sample)} days, routes {ours / 1000:.2f} km vs {longer / 1000:.2f} km "
            f"after {args.seconds:g} s guided local search each: {100 * (ours / longer - 1):.2f}% longer"
        )


if __name__ == "__main__":
    main()
