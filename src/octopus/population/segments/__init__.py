"""Population segments: mutually exclusive groups by precedence, plus overlays (cancer).

Rules live in ``config/segments.yaml`` in the cohort query language and compile to one Ibis
``CASE`` expression: the first segment whose condition holds wins.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import ibis
import yaml

from octopus.population.cohorts.compile import compile_term
from octopus.population.cohorts.load import parse_definitions
from octopus.population.cohorts.model import All, Cohort, CohortDefinitionError
from octopus.population.config import CONFIG_DIR

SEGMENTS_FILE = CONFIG_DIR / "segments.yaml"


@dataclass(frozen=True)
class SegmentRules:
    segments: tuple[Cohort, ...]
    overlays: tuple[Cohort, ...]


def load_segments(path: Path | str = SEGMENTS_FILE) -> SegmentRules:
    path = Path(path)
    document = yaml.safe_load(path.read_text())
    segments = parse_definitions(document, str(path), key="segments")
    overlays = parse_definitions({"overlays": document.get("overlays") or {}}, str(path), key="overlays")
    if not segments or segments[-1].where != All(()):
        raise CohortDefinitionError("the last segment must match everyone (where: {all: []}).", source=str(path))
    return SegmentRules(segments, overlays)


def with_segments(table: ibis.Table, rules: SegmentRules) -> ibis.Table:
    cases = [(compile_term(s.where, table), s.name) for s in rules.segments[:-1]]
    segment = ibis.cases(*cases, else_=rules.segments[-1].name) if cases else ibis.literal(rules.segments[-1].name)
    overlays = {f"{o.name}_overlay": compile_term(o.where, table) for o in rules.overlays}
    return table.mutate(segment=segment, **overlays)
