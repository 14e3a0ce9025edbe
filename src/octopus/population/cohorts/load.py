"""Read cohort and segment definitions from YAML into the query model, with clear errors.

A condition is a mapping: ``{field: age, ">=": 65}``, ``{field: risk_band, in: [1, 2, 3]}``,
``{field: care_home, is: true}``, or a combination ``{all: [...]}``, ``{any: [...]}``,
``{not: {...}}``. See docs/reference/cohorts.md.
"""

from __future__ import annotations

from pathlib import Path

import yaml

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
from octopus.population.config import CONFIG_DIR

COHORTS_FILE = CONFIG_DIR / "cohorts.yaml"


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


def _with_context(error: CohortDefinitionError, source: str, cohort: str) -> CohortDefinitionError:
    return CohortDefinitionError(error.reason, source=source, cohort=cohort, field=error.field)


def parse_definitions(document, source: str, key: str = "cohorts") -> tuple[Cohort, ...]:
    if not isinstance(document, dict) or not isinstance(document.get(key), dict):
        raise CohortDefinitionError(f"expected a top-level '{key}:' mapping of name to definition.", source=source)
    cohorts = []
    for name, spec in document[key].items():
        try:
            if not isinstance(spec, dict):
                raise CohortDefinitionError("a definition is a mapping with title, description and where.")
            unknown = set(spec) - {"title", "description", "where"}
            if unknown:
                raise CohortDefinitionError(f"unknown key(s) {', '.join(sorted(unknown))}; use title, description, where.")
            if "where" not in spec:
                raise CohortDefinitionError("missing 'where' (the condition residents must meet).")
            cohorts.append(Cohort(str(name), str(spec.get("title", name)), str(spec.get("description", "")),
                                  parse_term(spec["where"])))
        except CohortDefinitionError as error:
            raise _with_context(error, source, str(name)) from None
    return tuple(cohorts)


def load_cohorts(path: Path | str = COHORTS_FILE) -> tuple[Cohort, ...]:
    path = Path(path)
    try:
        document = yaml.safe_load(path.read_text())
    except yaml.YAMLError as error:
        raise CohortDefinitionError(f"not valid YAML: {error}", source=str(path)) from None
    return parse_definitions(document, str(path))
