"""Read cohort and segment definitions from YAML into the query model, with clear errors.

A condition is a mapping: ``{field: age, ">=": 65}``, ``{field: risk_band, in: [1, 2, 3]}``,
``{field: care_home, is: true}``, or a combination ``{all: [...]}``, ``{any: [...]}``,
``{not: {...}}``. See docs/reference/cohorts.md.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from pydantic import Field, field_serializer, field_validator

from octopus.config import ConfigError, Schema, load, read
from octopus.config.folder import validate
from octopus.population.cohorts.model import (
    COMPARISONS,
    All,
    AnyOf,
    Cohort,
    CohortDefinitionError,
    Compare,
    IsTrue,
    Not,
    OneOf,
    Term,
)


def parse_term(node) -> Term:
    if not isinstance(node, dict):
        raise CohortDefinitionError(f"a condition must be a mapping, got {node!r}.")
    if "all" in node or "any" in node:
        key = "all" if "all" in node else "any"
        if set(node) != {key} or not isinstance(node[key], list):
            raise CohortDefinitionError(f"'{key}' takes a list of conditions and nothing else.")
        terms = tuple(parse_term(n) for n in node[key])
        return All(terms) if key == "all" else AnyOf(terms)
    if "not" in node:
        return Not(parse_term(node["not"]))
    if "field" not in node:
        raise CohortDefinitionError(f"a condition needs 'field' (or all/any/not): {node!r}.")
    field = node["field"]
    ops = [k for k in node if k != "field"]
    if len(ops) != 1:
        raise CohortDefinitionError("give exactly one test (==, >=, in, is ...).", field=str(field))
    op, value = ops[0], node[ops[0]]
    if op == "in":
        if not isinstance(value, list):
            raise CohortDefinitionError("'in' takes a list of values.", field=field)
        return OneOf(field, tuple(value))
    if op == "is":
        if value is not True:
            raise CohortDefinitionError("'is' takes only true; use {not: ...} for false.", field=field)
        return IsTrue(field)
    if op not in COMPARISONS:
        raise CohortDefinitionError(f"unknown test {op!r}; use in, is or {', '.join(COMPARISONS)}.", field=field)
    return Compare(field, op, value)


def written(term: Term):
    """A condition back in the language it is written in (for ``octopus config show``)."""
    if isinstance(term, All | AnyOf):
        return {"all" if isinstance(term, All) else "any": [written(t) for t in term.terms]}
    if isinstance(term, Not):
        return {"not": written(term.term)}
    if isinstance(term, OneOf):
        return {"field": term.field, "in": list(term.values)}
    if isinstance(term, IsTrue):
        return {"field": term.field, "is": True}
    return {"field": term.field, term.op: term.value}


class Definition(Schema):
    """One cohort or segment: a title people see, a description and the condition."""

    title: str = Field("", description="The title people see (the name when left out).")
    description: str = Field("", description="What the cohort is for and where its rule comes from.")
    where: Any = Field(
        description=("The condition residents must meet, in the cohort language (docs/reference/cohorts.md).")
    )

    @field_validator("where", mode="before")
    @classmethod
    def _condition(cls, node) -> Term:
        # A CohortDefinitionError is a ValueError: the loader reports it at this key's line.
        return parse_term(node)

    @field_serializer("where")
    def _as_written(self, term: Term):
        return written(term)

    def cohort(self, name: str) -> Cohort:
        return Cohort(str(name), self.title or str(name), self.description, self.where)


class CohortsFile(Schema):
    """Cohorts the pipeline finds for case-finding lists and pages (``cohorts.yaml``)."""

    cohorts: dict[str, Definition] = Field(description="Each cohort by its name (the name is kept in snapshots).")

    def definitions(self) -> tuple[Cohort, ...]:
        return tuple(spec.cohort(name) for name, spec in self.cohorts.items())


def parse_definitions(document, source: str, key: str = "cohorts") -> tuple[Cohort, ...]:
    """Definitions from an already-read document (segments and tests); errors as the loader's."""
    if not isinstance(document, dict) or not isinstance(document.get(key), dict):
        raise ConfigError(f"expected a top-level '{key}:' mapping of name to definition.", file=source, field=key)
    parsed = validate({"cohorts": document[key]}, {}, CohortsFile, source)
    return parsed.definitions()


def load_cohorts(path: Path | str | None = None) -> tuple[Cohort, ...]:
    """The cohorts in effect (the place's ``cohorts.yaml``, else the default), or those in ``path``."""
    file = load("cohorts.yaml") if path is None else read(Path(path), CohortsFile)
    return file.definitions()
