"""What frontline staff find, from every source that records it, in one shape.

A source is a callable ``(start, end) -> Iterable[Finding | Mapping]`` for findings dated from
``start`` up to but not including ``end``. Each app registers its own in ``AppConfig.ready``:

    findings.register(sources.outreach_findings)

and a source written without importing this module may yield plain dicts with the same keys
(``findings.register(social_prescribing.findings.findings)`` is then the whole wiring).

One Finding is **one need found** (``need`` is the kind of need, a topic code of the doorstep
vocabulary or the source's own word), carrying at most one introduction made for it: its
``destination`` (the organisation and team introduced to) and whether it was completed. An
introduction not tied to a need found (or a second one for the same need) is a Finding with
``need=""``: it counts as an introduction, not as a need. So "needs found" is the number of
Findings with a need and "introductions" is the sum of ``introductions``, the same definitions
for every source (decision 0043).

No Django here: the dashboard and its tests read this module alone.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, fields

FIELDS = ("source", "lsoa_code", "month", "need", "introductions", "introductions_completed", "destination")


@dataclass(frozen=True)
class Finding:
    source: str  # "Outreach", "Drop-ins", "Social prescribing": words, shown as given
    lsoa_code: str  # where it was found ("" when not known)
    month: dt.date  # the first day of the month it was found in
    need: str
    introductions: int = 0
    introductions_completed: int = 0
    destination: str | None = None

    def __post_init__(self):
        if not self.source:
            raise ValueError("A finding needs its source.")
        if not isinstance(self.month, dt.date) or self.month.day != 1:
            raise ValueError(f"{self.source}: month must be the first day of a month (got {self.month!r}).")
        if not 0 <= self.introductions_completed <= self.introductions:
            raise ValueError(
                f"{self.source}: introductions completed ({self.introductions_completed}) must be "
                f"between 0 and the introductions made ({self.introductions})."
            )
        if self.introductions and not self.destination:
            raise ValueError(f"{self.source}: an introduction needs its destination.")


Source = Callable[[dt.date, dt.date], Iterable["Finding | Mapping"]]
_SOURCES: list[Source] = []


def register(source: Source) -> Source:
    """Add a source (idempotent, so a module reloaded in tests is not counted twice)."""
    if source not in _SOURCES:
        _SOURCES.append(source)
    return source


def unregister(source: Source) -> None:
    if source in _SOURCES:
        _SOURCES.remove(source)


def sources() -> tuple[Source, ...]:
    return tuple(_SOURCES)


def month_of(day: dt.date) -> dt.date:
    return day.replace(day=1)


def as_finding(item: Finding | Mapping, source: Source) -> Finding:
    """A Finding from a source's item; a dict with missing or unknown keys is refused with the
    source and the keys named, so a source that drifts fails loudly rather than counting wrong."""
    if isinstance(item, Finding):
        return item
    keys = set(item)
    missing, unknown = (
        sorted(set(FIELDS) - keys - {"destination", "introductions", "introductions_completed"}),
        sorted(keys - set(FIELDS)),
    )
    name = getattr(source, "__module__", "") + "." + getattr(source, "__qualname__", repr(source))
    if missing or unknown:
        raise ValueError(
            f"Findings source {name}: "
            + "; ".join(
                part
                for part in (
                    f"missing {', '.join(missing)}" if missing else "",
                    f"unknown {', '.join(unknown)}" if unknown else "",
                )
                if part
            )
        )
    values = dict(item)
    if isinstance(values["month"], dt.datetime):
        values["month"] = values["month"].date()
    values["month"] = month_of(values["month"])
    return Finding(**{f.name: values[f.name] for f in fields(Finding) if f.name in values})


def collect(start: dt.date, end: dt.date) -> list[Finding]:
    """Every registered source's findings in ``[start, end)``."""
    found = []
    for source in sources():
        found.extend(as_finding(item, source) for item in source(start, end))
    return found
