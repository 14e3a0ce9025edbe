"""Population segments: mutually exclusive groups by precedence, plus overlays (cancer).

Rules live in ``config/segments.yaml`` in the cohort query language and compile to one Ibis
``CASE`` expression: the first segment whose condition holds wins.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import ibis
from pydantic import Field, field_validator

from octopus.config import Schema, load, read
from octopus.population.cohorts.compile import compile_term
from octopus.population.cohorts.load import Definition
from octopus.population.cohorts.model import All, Cohort


@dataclass(frozen=True)
class SegmentRules:
    segments: tuple[Cohort, ...]
    overlays: tuple[Cohort, ...]


class SegmentsFile(Schema):
    """Population segments and overlays (``segments.yaml``): the first segment whose condition
    holds wins, so the last must match everyone."""

    segments: dict[str, Definition] = Field(min_length=1, description="Segments by precedence, the last for everyone.")
    overlays: dict[str, Definition] = Field(
        default_factory=dict, description="Overlays that cut across segments (cancer)."
    )

    @field_validator("segments")
    @classmethod
    def _last_matches_everyone(cls, segments: dict[str, Definition]) -> dict[str, Definition]:
        if list(segments.values())[-1].where != All(()):
            raise ValueError("the last segment must match everyone (where: {all: []}).")
        return segments

    def rules(self) -> SegmentRules:
        return SegmentRules(
            tuple(s.cohort(n) for n, s in self.segments.items()), tuple(o.cohort(n) for n, o in self.overlays.items())
        )


def load_segments(path: Path | str | None = None) -> SegmentRules:
    """The segments in effect (the place's ``segments.yaml``, else the default), or those in ``path``."""
    file = load("segments.yaml") if path is None else read(Path(path), SegmentsFile)
    return file.rules()


def with_segments(table: ibis.Table, rules: SegmentRules) -> ibis.Table:
    cases = [(compile_term(s.where, table), s.name) for s in rules.segments[:-1]]
    segment = ibis.cases(*cases, else_=rules.segments[-1].name) if cases else ibis.literal(rules.segments[-1].name)
    overlays = {f"{o.name}_overlay": compile_term(o.where, table) for o in rules.overlays}
    return table.mutate(segment=segment, **overlays)
