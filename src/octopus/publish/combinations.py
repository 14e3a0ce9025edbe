"""A Python function applied once per distinct combination of its input columns, not once a row.

What the publish writes is mostly a handful of values repeated across a population (a timeline
summary sentence, a resident's open prevention gaps, their long-term conditions): the rules stay
plain Python, called a few thousand times instead of millions, and DuckDB joins the results back.
"""

from collections.abc import Callable, Sequence

import pyarrow as pa


def quoted(column: str) -> str:
    return '"' + column.replace('"', '""') + '"'


def sql_text(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def each_combination(con, relation: str, columns: Sequence[str], make: Callable[[dict], object], name: str) -> pa.Table:
    """Every distinct combination of ``columns`` in ``relation`` (a DuckDB table or view), with
    ``make(values)`` as column ``name``: ``make`` is given those columns only, by name."""
    combinations = con.sql(
        f"SELECT DISTINCT {', '.join(map(quoted, columns))} FROM {relation}" if columns else "SELECT 1 AS one"
    ).to_arrow_table()
    made = [make(row) for row in combinations.to_pylist()]
    return combinations.append_column(name, pa.array(made, pa.string()))


def matching(left: str, right: str, columns: Sequence[str]) -> str:
    """The join condition of a row of ``left`` with its combination in ``right`` (missing values
    match each other)."""
    return " AND ".join(f"{left}.{quoted(c)} IS NOT DISTINCT FROM {right}.{quoted(c)}" for c in columns) or "TRUE"
