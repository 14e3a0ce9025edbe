"""The time windows features are counted over, relative to the as-of date."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

import ibis
import ibis.expr.datatypes as dt

# "Previous 12 months" is the 365 days ending on the as-of date, inclusive: the convention
# of PARR/SPARRA-style models, which count activity in the year before the prediction date.
YEAR = timedelta(days=365)


@dataclass(frozen=True)
class Period:
    as_of: date

    @property
    def year_start(self) -> date:
        """Exclusive start of the previous 12 months."""
        return self.as_of - YEAR

    def in_last_year(self, column: ibis.Value) -> ibis.BooleanValue:
        return (column > self.year_start) & (column <= self.as_of)

    def in_last_days(self, column: ibis.Value, days: int) -> ibis.BooleanValue:
        return (column > self.as_of - timedelta(days=days)) & (column <= self.as_of)

    def in_next_year(self, column: ibis.Value) -> ibis.BooleanValue:
        return (column > self.as_of) & (column <= self.as_of + YEAR)

    def literal(self) -> ibis.DateValue:
        return ibis.literal(self.as_of, type="date")


def count_where(condition: ibis.BooleanValue) -> ibis.IntegerValue:
    """Rows meeting a condition, written so every engine compiles it alike."""
    return condition.ifelse(1, 0).sum()


def any_where(condition: ibis.BooleanValue) -> ibis.BooleanValue:
    return count_where(condition) > 0


# Bitwise aggregates: sets of flags per person (conditions, frailty deficits) as one integer, so
# one group-by per person replaces a group-by per (person, flag) and a second one per person.
# Ibis has no Spark rule for ``bit_or``, but DuckDB and Spark (3.0+) both have ``bit_or`` and
# ``bit_count`` under these names, so they are declared as built-in functions.
@ibis.udf.agg.builtin(name="bit_or")
def bit_or(flags: dt.int64) -> dt.int64:
    """Bitwise OR of every row's flags (null when there are no rows)."""


@ibis.udf.scalar.builtin(name="bit_count")
def _bit_count(flags: dt.int64) -> dt.int8: ...


def bit_count(flags: ibis.IntegerValue) -> ibis.IntegerValue:
    """How many flags are set."""
    return _bit_count(flags).cast("int64")
