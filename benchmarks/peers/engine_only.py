"""Where the features' whole-process gap to polars lies: start-up, or the engines' own work.

    python benchmarks/peers/engine_only.py REFERENCE_DIR LINKED_DIR AS_OF [RUNS]

One process. First the start-up our side pays once before DuckDB starts, each part timed as it
happens (imports, connection, reading the linked files' schemas, building the Ibis expression,
compiling it to SQL), and polars' (import, building its lazy plan). Then each engine's own work,
the plans already built: ours ``to_parquet`` (which compiles the expression again: counted) and
polars' ``sink_parquet``, RUNS times each (default 7) after one unrecorded run, alternated, wall
and CPU (user + system of the whole process, every thread) per run: median and range. The two
files are checked equal as ``compare.py`` does. ``farm-bench`` over ``octopus_features.py`` and
``polars_features.py`` gives the whole-process figures; this gives the split.
"""

from __future__ import annotations

import resource
import statistics
import sys
import tempfile
import time
from datetime import date
from pathlib import Path


def _cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


class _Clock:
    def __init__(self):
        self.parts: list[tuple[str, float, float]] = []
        self._wall, self._cpu = time.perf_counter(), _cpu()

    def lap(self, name: str) -> None:
        wall, cpu = time.perf_counter(), _cpu()
        self.parts.append((name, wall - self._wall, cpu - self._cpu))
        self._wall, self._cpu = wall, cpu


def _summary(values: list[float]) -> str:
    return f"{statistics.median(values):.3f} ({min(values):.3f}-{max(values):.3f})"


def main() -> None:
    reference_dir, linked_dir, as_of = sys.argv[1], sys.argv[2], date.fromisoformat(sys.argv[3])
    runs = int(sys.argv[4]) if len(sys.argv) > 4 else 7

    ours = _Clock()
    from octopus.population import engines
    from octopus.population.features import build_features
    from octopus.population.linked import read_linked

    ours.lap("import")
    con = engines.connect("duckdb")
    ours.lap("connect")
    linked = read_linked(linked_dir, con)
    ours.lap("read the linked files' schemas")
    expression = build_features(linked, as_of, ordered=False, with_prevention=False)
    ours.lap("build the expression")
    con.compile(expression)
    ours.lap("compile to SQL")

    peer = _Clock()
    sys.path.insert(0, str(Path(__file__).parent))
    import polars_features

    peer.lap("import")
    lazy = polars_features.features(reference_dir, linked_dir, as_of)
    peer.lap("build the lazy plan")

    for name, clock in (("ours", ours), ("polars", peer)):
        total = sum(wall for _, wall, _ in clock.parts)
        print(f"{name}'s start-up before its engine runs: {total:.3f} s")
        for part, wall, cpu in clock.parts:
            print(f"  {part}: {wall:.3f} s wall, {cpu:.3f} s CPU")

    scratch = Path(tempfile.mkdtemp(prefix="octopus-engine-only-"))
    work = {
        "ours: compile and run (DuckDB)": lambda: con.to_parquet(expression, str(scratch / "ours.parquet")),
        "polars: run (sink_parquet)": lambda: lazy.sink_parquet(scratch / "polars.parquet"),
    }
    times: dict[str, list[tuple[float, float]]] = {name: [] for name in work}
    for run in range(runs + 1):
        for name, fn in work.items():
            started, cpu = time.perf_counter(), _cpu()
            fn()
            if run:  # the first run of each warms the files' pages and is not recorded
                times[name].append((time.perf_counter() - started, _cpu() - cpu))
    print(f"each engine's own work, {runs} runs each, alternated: median (range)")
    for name, measured in times.items():
        walls, cpus = [w for w, _ in measured], [c for _, c in measured]
        print(f"  {name}: wall {_summary(walls)} s, CPU {_summary(cpus)} s")
    (ours_name, ours_times), (peer_name, peer_times) = times.items()
    for index, label in ((0, "wall"), (1, "CPU")):
        ratios = [a[index] / b[index] for a, b in zip(ours_times, peer_times, strict=True)]
        print(f"  ours / polars, run by run, {label}: {_summary(ratios)}")

    from compare import _sorted, differences

    found = differences(_sorted(str(scratch / "ours.parquet")), _sorted(str(scratch / "polars.parquet")))
    print("the two outputs: " + ("the same rows and values" if not found else "; ".join(found)))
    sys.exit(1 if found else 0)


if __name__ == "__main__":
    main()
