"""A small, immutable query model for cohorts and segment rules (in the spirit of ehrQL).

Definitions are data (YAML) read into frozen dataclasses that validate themselves on
construction against the fields a resident has (``fields.RESIDENT_FIELDS``): an unknown field
or a value of the wrong type is an error naming the file, the cohort and the field. The same
nodes compile to Ibis (``compile.py``) and evaluate in plain Python (``evaluate``), the
reference the engines are checked against.
"""

from __future__ import annotations

import operator
from dataclasses import dataclass
from typing import Any

from octopus.population.cohorts.fields import RESIDENT_FIELDS, python_type_ok

COMPARISONS = {
    "==": operator.eq,
    "!=": operator.ne,
    "<": operator.lt,
    "<=": operator.le,
    ">": operator.gt,
    ">=": operator.ge,
}


class CohortDefinitionError(ValueError):
    def __init__(self, reason: str, *, source: str = "", cohort: str = "", field: str = ""):
        self.reason, self.source, self.cohort, self.field = reason, source, cohort, field
        where = ", ".join(
            part
            for part in (source, f"cohort {cohort!r}" if cohort else "", f"field {field!r}" if field else "")
            if part
        )
        super().__init__(f"{where}: {reason}" if where else reason)


def _check_field(name: str) -> str:
    if name not in RESIDENT_FIELDS:
        close = sorted(f for f in RESIDENT_FIELDS if name[:3] in f)[:5]
        hint = f" Did you mean one of: {', '.join(close)}?" if close else ""
        raise CohortDefinitionError(f"unknown field.{hint} See docs/reference/cohorts.md for the fields.", field=name)
    return name


def _check_value(name: str, value: Any) -> None:
    kind = RESIDENT_FIELDS[name]
    if not python_type_ok(kind, value):
        raise CohortDefinitionError(f"expects a {kind} value but got {value!r} ({type(value).__name__}).", field=name)


@dataclass(frozen=True)
class Compare:
    field: str
    op: str
    value: Any

    def __post_init__(self):
        _check_field(self.field)
        if self.op not in COMPARISONS:
            raise CohortDefinitionError(
                f"unknown comparison {self.op!r}; use one of {', '.join(COMPARISONS)}.", field=self.field
            )
        _check_value(self.field, self.value)
        if RESIDENT_FIELDS[self.field] == "bool" and self.op not in ("==", "!="):
            raise CohortDefinitionError("a yes/no field can only be compared with == or !=.", field=self.field)


@dataclass(frozen=True)
class OneOf:
    field: str
    values: tuple

    def __post_init__(self):
        _check_field(self.field)
        if not self.values:
            raise CohortDefinitionError("'in' needs at least one value.", field=self.field)
        for value in self.values:
            _check_value(self.field, value)


@dataclass(frozen=True)
class IsTrue:
    field: str

    def __post_init__(self):
        _check_field(self.field)
        if RESIDENT_FIELDS[self.field] != "bool":
            raise CohortDefinitionError(
                f"'is: true' needs a yes/no field, but this field is {RESIDENT_FIELDS[self.field]}.", field=self.field
            )


@dataclass(frozen=True)
class All:
    terms: tuple[Term, ...]


@dataclass(frozen=True)
class AnyOf:
    terms: tuple[Term, ...]

    def __post_init__(self):
        if not self.terms:
            raise CohortDefinitionError("'any' needs at least one condition.")


@dataclass(frozen=True)
class Not:
    term: Term


Term = Compare | OneOf | IsTrue | All | AnyOf | Not


@dataclass(frozen=True)
class Cohort:
    name: str
    title: str
    description: str
    where: Term

    def __post_init__(self):
        if not self.name.replace("_", "").isalnum() or not self.name.islower():
            raise CohortDefinitionError("names are lower-case words joined by _.", cohort=self.name)


def evaluate(term: Term, row: dict) -> bool:
    """Reference semantics: a missing value never satisfies a comparison (SQL's rule)."""
    if isinstance(term, Compare):
        value = row.get(term.field)
        return value is not None and value == value and bool(COMPARISONS[term.op](value, term.value))
    if isinstance(term, OneOf):
        return row.get(term.field) in term.values
    if isinstance(term, IsTrue):
        return row.get(term.field) is True or row.get(term.field) == 1
    if isinstance(term, All):
        return all(evaluate(t, row) for t in term.terms)
    if isinstance(term, AnyOf):
        return any(evaluate(t, row) for t in term.terms)
    if isinstance(term, Not):
        return not evaluate(term.term, row)
    raise TypeError(term)
