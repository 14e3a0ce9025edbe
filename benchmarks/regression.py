"""Flag pipeline steps more than 20% slower than the last recorded `make bench` run (decision 0061).

    python benchmarks/regression.py [OLD.json] NEW.json [--threshold 0.20] [--min-seconds 0.2]

With one file, OLD is the newest ``benchmarks/results/bench-*.json`` recorded before it. For every
population size in both files it compares each step's median CPU seconds (its wall time where a
file has no CPU per step; see ``_step_cpu``), the pipeline's total and the whole process's wall
time and the process's CPU, and prints one line per step; a step is flagged when it is more than
``--threshold`` slower *and* at least ``--min-seconds`` slower, because a 0.1 s step that takes 0.13
s is timer and scheduler noise, not a regression. Where both files ran a size at least
``OVERLAP_RUNS`` times, a step is flagged only if its runs do not overlap too (the new fastest
slower than the old slowest): a median can move 20% while the runs of the two commits interleave,
which is the machine's own spread (docs/benchmarks.md, "`make bench` after the top factors in
Arrow": the segments at 100,000, 0.72–1.10 CPU-s before and 1.01–1.37 after). Exit status 1 when anything is flagged, 0
otherwise, so CI can gate on it. Both files' load averages are printed: on a shared machine a
"regression" measured at load 20 against a baseline at load 2 says more about the neighbours than
the code.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
from dataclasses import dataclass
from pathlib import Path

RESULTS = Path(__file__).resolve().parent / "results"
# Runs of a size in each file from which their spread is compared (three, as `make bench` runs up
# to 100,000 residents); with fewer, one run each above that, the median alone decides.
OVERLAP_RUNS = 3


@dataclass(frozen=True)
class Change:
    size: str
    step: str
    before: float
    after: float
    flagged: bool
    unit: str = "s"
    overlapping: bool = False  # slower by the thresholds, but the two files' runs interleave

    @property
    def ratio(self) -> float:
        return self.after / self.before if self.before else float("inf")


def load(path: Path) -> dict:
    try:
        data = json.loads(path.read_text())
    except (OSError, json.JSONDecodeError) as error:
        raise SystemExit(f"{path}: cannot be read as a bench result ({error})") from None
    if data.get("kind") != "octopus-pipeline-bench" or not isinstance(data.get("sizes"), dict):
        raise SystemExit(f"{path}: not a `make bench` result (no kind 'octopus-pipeline-bench' with sizes)")
    return data


def previous_of(new: Path, folder: Path = RESULTS) -> Path | None:
    earlier = [p for p in sorted(folder.glob("bench-*.json")) if p.name < new.name]
    return earlier[-1] if earlier else None


def _runs(entry: dict) -> list[dict]:
    return [run for run in entry.get("runs", []) if "error" not in run]


def _step_cpu(entry: dict) -> dict[str, list[float]]:
    """Each step's CPU seconds in each of a size's runs, for the steps every run timed.

    The pipeline gives each step its own CPU: a step run beside another (training beside the
    features, decisions 0071 and 0074) is its thread's CPU, and the step it overlapped has that
    taken out. A step's wall time, by contrast, grows when a step beside it holds a core, while
    the whole run gets shorter: compared by wall time, moving work beside other work looks like a
    regression of the steps it now overlaps.
    """
    runs = _runs(entry)
    if not runs or not all(isinstance(run.get("cpu"), dict) for run in runs):
        return {}
    steps = [step for step in runs[0]["cpu"] if all(step in run["cpu"] for run in runs)]
    return {step: [run["cpu"][step] for run in runs] for step in steps}


def _per_run(entry: dict, read) -> list[float]:
    """A figure in each of a size's runs (empty where a run lacks it: the median alone decides)."""
    values = [read(run) for run in _runs(entry)]
    return [] if None in values else values


def compare(old: dict, new: dict, *, threshold: float = 0.20, min_seconds: float = 0.2) -> list[Change]:
    changes = []
    for size, after in new["sizes"].items():
        before = old["sizes"].get(size)
        if not before or "steps" not in before or "steps" not in after:
            continue
        # (step, median before, median after, unit, runs before, runs after)
        pairs = []
        for step, figure, per_run, unit in (
            ("whole process", "process_wall_seconds", lambda run: run.get("process_wall_seconds"), "s"),
            ("pipeline total", "total_seconds", lambda run: run.get("seconds"), "s"),
            ("process CPU", "process_cpu_seconds", lambda run: run.get("process_cpu_seconds"), "CPU-s"),
        ):
            if figure in before and figure in after:
                was, now = before[figure]["median"], after[figure]["median"]
                pairs.append((step, was, now, unit, _per_run(before, per_run), _per_run(after, per_run)))
        # Steps by their own CPU where both files have it (every run since 3 December), else by wall.
        cpu_before, cpu_after = _step_cpu(before), _step_cpu(after)
        for step, figures in after["steps"].items():
            if step in cpu_before and step in cpu_after:
                was, now = cpu_before[step], cpu_after[step]
                pairs.append((step, statistics.median(was), statistics.median(now), "CPU-s", was, now))
            elif step in before["steps"]:
                was = _per_run(before, lambda run, step=step: (run.get("steps") or {}).get(step))
                now = _per_run(after, lambda run, step=step: (run.get("steps") or {}).get(step))
                pairs.append((step, before["steps"][step]["median"], figures["median"], "s", was, now))
        for step, was, now, unit, runs_before, runs_after in pairs:
            slower = now > was * (1 + threshold) and now - was >= min_seconds
            overlapping = (
                slower
                and min(len(runs_before), len(runs_after)) >= OVERLAP_RUNS
                and min(runs_after) <= max(runs_before)
            )
            changes.append(Change(size, step, was, now, slower and not overlapping, unit, overlapping))
    return changes


def _load_average(data: dict) -> str:
    loads = [
        run["load_before"][0]
        for entry in data["sizes"].values()
        for run in entry.get("runs", [])
        if "load_before" in run
    ]
    return f"{min(loads):.1f}–{max(loads):.1f}" if loads else "unknown"


# Reference workloads further apart than this say the two runs were on machines of different speed
# (one machine gave 1.62-1.85 CPU-s in three calls, each the median of three runs).
SAME_MACHINE = 0.15


def _machines(old: dict, new: dict) -> str:
    """Both files' reference workload (``bench.py``'s ``reference``), and a warning when they differ:
    a step's change between machines of different speed may be the machine's, not the code's."""
    before, after = old.get("reference_cpu_seconds"), new.get("reference_cpu_seconds")
    if not before or not after:
        return "Reference workload: not in both files; whether the two machines ran at one speed is unknown."
    parts = ", ".join(
        f"{name} {before[name]:.2f} -> {after[name]:.2f}" for name in after if name in before and name != "total"
    )
    ratio = after["total"] / before["total"]
    note = f"Reference workload (CPU-s): {parts} ({ratio:.2f}x)."
    if abs(ratio - 1) > SAME_MACHINE:
        note += (
            " The machines differ in speed: a step slower here may be the machine's, not the code's;"
            " pair the two commits on one machine to tell."
        )
    return note


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("files", type=Path, nargs="+", help="[OLD] NEW")
    parser.add_argument("--threshold", type=float, default=0.20)
    parser.add_argument("--min-seconds", type=float, default=0.2)
    args = parser.parse_args(argv)
    if len(args.files) > 2:
        parser.error("give at most two files: OLD NEW, or NEW alone")
    new_path = args.files[-1]
    old_path = args.files[0] if len(args.files) == 2 else previous_of(new_path, new_path.parent)
    if old_path is None:
        print(f"No earlier run than {new_path.name} to compare with.")
        return 0
    old, new = load(old_path), load(new_path)
    changes = compare(old, new, threshold=args.threshold, min_seconds=args.min_seconds)
    print(
        f"{old_path.name} ({old['commit']['sha'][:10]}, load {_load_average(old)}) -> "
        f"{new_path.name} ({new['commit']['sha'][:10]}, load {_load_average(new)})"
    )
    if note := _machines(old, new):
        print(note)
    if not changes:
        print("No population size and step in common: nothing compared.")
        return 0
    for change in changes:
        mark = "SLOWER" if change.flagged else "ok"
        print(
            f"{mark:6} {int(change.size):>10,} {change.step:<22} {change.before:8.2f} {change.unit} -> "
            f"{change.after:8.2f} {change.unit} ({change.ratio:.2f}x)"
            + (" runs overlap: within the machine's spread" if change.overlapping else "")
        )
    flagged = [c for c in changes if c.flagged]
    print(f"{len(flagged)} of {len(changes)} steps more than {args.threshold:.0%} slower.")
    return 1 if flagged else 0


if __name__ == "__main__":
    sys.exit(main())
