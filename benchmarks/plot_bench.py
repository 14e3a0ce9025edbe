"""Time and peak memory of the pipeline against population size, from a `make bench` result.

    python benchmarks/plot_bench.py [RESULT.json] [--out docs/images/bench-scaling.svg]

Without a file it draws the newest ``benchmarks/results/bench-*.json``. Two panels on log–log axes
(sizes span 20k to millions): wall seconds of the whole process (start-up and imports included) and
of the pipeline's own steps, and the process's CPU seconds (median, with the runs' range as error
bars), and the process's peak resident memory. The caption names the date, commit and load average,
because the figures are measured on a shared machine.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

HERE = Path(__file__).resolve().parent


def plot(result_path: Path, out: Path) -> Path:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib.ticker import FuncFormatter, NullFormatter

    data = json.loads(Path(result_path).read_text())
    rows = sorted((int(size), entry) for size, entry in data["sizes"].items() if "total_seconds" in entry)
    if not rows:
        raise SystemExit(f"{result_path}: no size finished, nothing to plot")
    sizes = [size for size, _ in rows]
    loads = [run["load_before"][0] for _, entry in rows for run in entry["runs"] if "load_before" in run]
    fig, (left, right) = plt.subplots(1, 2, figsize=(10, 4.2))
    series = (
        (left, "process_wall_seconds", "whole process", "#005eb8"),
        (left, "total_seconds", "pipeline steps", "#768692"),
        # On a loaded machine wall time is mostly waiting for a core; CPU is what the run cost.
        (left, "process_cpu_seconds", "whole process, CPU (user+sys)", "#009639"),
        (right, "peak_memory_gb", "whole process", "#005eb8"),
    )
    for axis, key, label, colour in series:
        median = [entry[key]["median"] for _, entry in rows]
        low = [m - entry[key]["min"] for m, (_, entry) in zip(median, rows, strict=True)]
        high = [entry[key]["max"] - m for m, (_, entry) in zip(median, rows, strict=True)]
        axis.errorbar(sizes, median, yerr=[low, high], marker="o", capsize=3, color=colour, label=label)
        for size, value in zip(sizes, median, strict=True):
            axis.annotate(
                f"{value:.2g}" if value < 10 else f"{value:.0f}",
                (size, value),
                textcoords="offset points",
                xytext=(4, -12),
                fontsize=8,
            )
    for axis, label in ((left, "seconds"), (right, "peak resident memory (GB)")):
        axis.set_xscale("log")
        axis.set_yscale("log")
        axis.set_xlabel("residents")
        axis.set_ylabel(label)
        axis.grid(True, which="both", alpha=0.3)
        axis.legend(fontsize=8)
        # Plain numbers: "1e+06" and "4.5x10^-1" make readers do sums.
        axis.set_xticks(sizes, [f"{size:,}" for size in sizes], rotation=30, fontsize=8)
        axis.xaxis.set_minor_formatter(NullFormatter())
        for which in (axis.yaxis.set_major_formatter, axis.yaxis.set_minor_formatter):
            which(FuncFormatter(lambda v, _: f"{v:g}"))
    left.set_title("Time and CPU (median of runs, range as bars)")
    right.set_title("Memory (whole process, /usr/bin/time)")
    commit = data["commit"]
    fig.suptitle(
        f"Octopus population pipeline on DuckDB — {data['date']}, {data['machine']['cores']} cores, "
        f"{data['machine']['memory_gb']} GB, commit {commit['sha'][:10]}{' (dirty)' if commit['dirty'] else ''}, "
        f"load {min(loads):.1f}–{max(loads):.1f}",
        fontsize=9,
    )
    fig.tight_layout()
    out.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(out)
    plt.close(fig)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("result", type=Path, nargs="?")
    parser.add_argument("--out", type=Path, default=HERE.parent / "docs" / "images" / "bench-scaling.svg")
    args = parser.parse_args()
    result = args.result or sorted((HERE / "results").glob("bench-*.json"))[-1]
    print(plot(result, args.out))


if __name__ == "__main__":
    main()
