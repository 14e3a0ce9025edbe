"""Compile query-model terms to Ibis boolean expressions over the residents table."""

from __future__ import annotations

from functools import reduce

import ibis

from octopus.population.cohorts.model import (
    COMPARISONS,
    All,
    AnyOf,
    Compare,
    IsTrue,
    Not,
    OneOf,
    Term,
)


def compile_term(term: Term, table: ibis.Table) -> ibis.BooleanValue:
    # Every leaf treats a missing value as "does not match", so Not() agrees with evaluate().
    if isinstance(term, Compare):
        return COMPARISONS[term.op](table[term.field], term.value).fill_null(False)
    if isinstance(term, OneOf):
        return table[term.field].isin(list(term.values)).fill_null(False)
    if isinstance(term, IsTrue):
        return (table[term.field] == True).fill_null(False)  # noqa: E712 (Ibis expression)
    if isinstance(term, All):
        parts = [compile_term(t, table) for t in term.terms]
        return reduce(lambda a, b: a & b, parts) if parts else ibis.literal(True)
    if isinstance(term, AnyOf):
        return reduce(lambda a, b: a | b, [compile_term(t, table) for t in term.terms])
    if isinstance(term, Not):
        return ~compile_term(term.term, table)
    raise TypeError(f"Not a query term: {term!r}")


def cohort_members(cohorts, table: ibis.Table) -> ibis.Table:
    """One row per (cohort, person_id) for every cohort, as a single union."""
    parts = [
        table.filter(compile_term(c.where, table)).select(
            cohort=ibis.literal(c.name, type="string"), person_id=table.person_id
        )
        for c in cohorts
    ]
    return reduce(lambda a, b: a.union(b, distinct=False), parts)
