"""The time windows features are counted over, relative to the as-of date."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

import ibis

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
