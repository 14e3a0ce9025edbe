"""What a link run reports while it runs: the stage, how far through it, and the pair counts.

The linker calls `report(LinkProgress)` at each step; the CLI draws it with rich, the intake
task writes it onto the job row for the page to poll. Only counts, never a record's values.
Rates and time left are worked out by whoever shows it, from when the stage started.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace

# In the order a run goes through them.
STAGES = (
    "gathering source persons",  # every current row -> its source person, best demographics
    "blocking and comparing",    # candidate pairs sharing a blocking key, scored by Splink, a chunk at a time
    "clustering",                # pairs merged into persons, strongest first
    "assigning person ids",
    "mapping records",
)  # fmt: skip


@dataclass(frozen=True)
class LinkProgress:
    stage: str
    done: int = 0
    total: int | None = None  # None while not yet known
    unit: str = "pairs"
    source_persons: int | None = None
    pairs_blocked: int = 0
    pairs_compared: int = 0
    pairs_clustered: int = 0
    stage_started: float = field(default_factory=time.monotonic)

    def rate(self, now: float | None = None) -> float | None:
        elapsed = (now or time.monotonic()) - self.stage_started
        return self.done / elapsed if self.done and elapsed > 0 else None

    def seconds_left(self, now: float | None = None) -> float | None:
        rate = self.rate(now)
        if rate is None or self.total is None:
            return None
        return max(0.0, (self.total - self.done) / rate)


Report = Callable[[LinkProgress], None]


class Tracker:
    """Keeps the counts across stages and hands each change to `report`."""

    def __init__(self, report: Report | None = None):
        self.report = report
        self.current = LinkProgress(stage=STAGES[0], unit="rows")

    def stage(self, name: str, *, total: int | None = None, unit: str = "pairs") -> None:
        self.current = replace(self.current, stage=name, done=0, total=total, unit=unit, stage_started=time.monotonic())
        self._send()

    def update(self, *, done: int | None = None, total: int | None = None, **counts: int) -> None:
        changes = dict(counts)
        if done is not None:
            changes["done"] = done
        if total is not None:
            changes["total"] = total
        self.current = replace(self.current, **changes)
        self._send()

    def _send(self) -> None:
        if self.report is not None:
            self.report(self.current)
