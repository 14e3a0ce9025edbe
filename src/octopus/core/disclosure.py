"""Statistical disclosure control for published counts. Pure Python (no Django): the web app
and the analytics engine both use it.

The default rules are OpenSAFELY's for releasing aggregate outputs
(https://docs.opensafely.org/releasing-files/ and the OpenSAFELY output checking guidance,
https://docs.opensafely.org/outputs/sdc/): **counts of 1 to 7 are suppressed** and **every other
count is rounded to the nearest 5**, including totals, which are computed from the unrounded
counts and then rounded. Zero is published (a true zero discloses nothing about a person)
unless ``suppress_zero`` is set. Both numbers are configurable (``DisclosureRules``); NHS
England's small-number guidance for HES (suppress 1–7, round to 5) agrees.

**Secondary suppression.** Suppressing a cell is useless if it can be worked out from what is
published beside it: a row total minus the other cells of the row gives it back. Here a table
is treated as a system of linear equations (each published row, column and grand total is one
equation over its cells); a suppressed cell is *recoverable* when it is determined by the
published values, i.e. when every solution of the system agrees on it. Such cells are found
exactly (null space of the system restricted to the suppressed entries) and further cells, the
smallest counts sharing a row or column with them, are suppressed until none is recoverable.
This holds even against someone who knows the unrounded published values; rounding only adds
to the protection.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np

SUPPRESSED = None  # how a suppressed value appears in plain-Python outputs


@dataclass(frozen=True)
class DisclosureRules:
    suppress_up_to: int = 7
    round_to: int = 5
    suppress_zero: bool = False
    total_label: str = "Total"

    def __post_init__(self):
        if self.suppress_up_to < 0 or self.round_to < 1:
            raise ValueError("suppress_up_to must be ≥ 0 and round_to ≥ 1.")


OPENSAFELY = DisclosureRules()


def is_small(count: int, rules: DisclosureRules = OPENSAFELY) -> bool:
    """Primary suppression: a count so small it could identify someone."""
    if count < 0:
        raise ValueError(f"Counts cannot be negative (got {count}).")
    if count == 0:
        return rules.suppress_zero
    return count <= rules.suppress_up_to


def round_count(count: int, rules: DisclosureRules = OPENSAFELY) -> int:
    """Round to the nearest multiple of ``round_to`` (halves round up: 12→10, 13→15)."""
    base = rules.round_to
    return int((count + base // 2) // base * base) if base > 1 else int(count)


def publish_count(count: int, rules: DisclosureRules = OPENSAFELY) -> int | None:
    """One count with no totals beside it: None when suppressed, otherwise rounded."""
    return SUPPRESSED if is_small(count, rules) else round_count(count, rules)


@dataclass
class ProtectedTable:
    """A table ready to publish. ``cells[i][j]`` is None where suppressed, rounded elsewhere.

    ``reasons`` marks each bordered entry "primary", "secondary" or "" (published); the
    bordered layout is the cells with row totals as an extra last column and column totals
    (and the grand total) as an extra last row.
    """

    cells: list[list[int | None]]
    row_totals: list[int | None] | None
    column_totals: list[int | None] | None
    grand_total: int | None
    reasons: list[list[str]] = field(default_factory=list)

    @property
    def suppressed_count(self) -> int:
        return sum(1 for row in self.reasons for reason in row if reason)


def _equations(n_rows: int, n_cols: int, row_totals: bool, column_totals: bool) -> list[list[tuple[int, int, int]]]:
    """Each published total as (row, col, coefficient) over the bordered table; sum = 0."""
    equations = []
    R, C = n_rows, n_cols  # index of the total row / column in the bordered table
    if row_totals:
        for i in range(n_rows):
            equations.append([(i, j, 1) for j in range(n_cols)] + [(i, C, -1)])
    if column_totals:
        for j in range(n_cols):
            equations.append([(i, j, 1) for i in range(n_rows)] + [(R, j, -1)])
    if row_totals and column_totals:
        equations.append([(i, C, 1) for i in range(n_rows)] + [(R, C, -1)])
        equations.append([(R, j, 1) for j in range(n_cols)] + [(R, C, -1)])
    return equations


def recoverable(bordered: Sequence[Sequence[int]], suppressed: set[tuple[int, int]], equations) -> set[tuple[int, int]]:
    """The suppressed entries that the published entries and totals determine exactly."""
    unknowns = sorted(suppressed)
    if not unknowns:
        return set()
    index = {cell: k for k, cell in enumerate(unknowns)}
    rows = []
    for equation in equations:
        row = np.zeros(len(unknowns))
        touched = False
        for i, j, coefficient in equation:
            if (i, j) in index:
                row[index[(i, j)]] += coefficient
                touched = True
        if touched:
            rows.append(row)
    if not rows:
        return set()
    matrix = np.array(rows)
    # x_k is determined iff every vector of the null space is zero at k.
    _, singular, vh = np.linalg.svd(matrix)
    rank = int((singular > 1e-9).sum())
    null_space = vh[rank:]
    if null_space.shape[0] == 0:
        return set(unknowns)
    determined = np.all(np.abs(null_space) < 1e-9, axis=0)
    return {unknowns[k] for k in np.flatnonzero(determined)}


def protect_table(
    table: Sequence[Sequence[int]],
    rules: DisclosureRules = OPENSAFELY,
    *,
    row_totals: bool = True,
    column_totals: bool = True,
) -> ProtectedTable:
    """Suppress and round a two-way table of counts, with secondary suppression."""
    n_rows = len(table)
    n_cols = len(table[0]) if n_rows else 0
    if any(len(row) != n_cols for row in table):
        raise ValueError("Every row of the table must have the same number of cells.")
    if n_rows == 0 or n_cols == 0:
        return ProtectedTable(
            [], [] if row_totals else None, [] if column_totals else None, 0 if row_totals and column_totals else None
        )
    counts = [[int(v) for v in row] for row in table]
    R, C = n_rows, n_cols
    bordered = [row + [sum(row)] for row in counts]
    bordered.append([sum(counts[i][j] for i in range(R)) for j in range(C)] + [sum(map(sum, counts))])

    published_entries = {(i, j) for i in range(R) for j in range(C)}
    if row_totals:
        published_entries |= {(i, C) for i in range(R)}
    if column_totals:
        published_entries |= {(R, j) for j in range(C)}
    if row_totals and column_totals:
        published_entries.add((R, C))

    reasons: dict[tuple[int, int], str] = {}
    for cell in published_entries:
        if is_small(bordered[cell[0]][cell[1]], rules):
            reasons[cell] = "primary"

    equations = _equations(R, C, row_totals, column_totals)
    while True:
        exposed = recoverable(bordered, set(reasons), equations)
        if not exposed:
            break
        if row_totals and column_totals:
            additions = _rectangle(exposed, bordered, reasons, published_entries, equations, R, C)
        else:
            single = _next_suppression(exposed, bordered, reasons, published_entries, equations, R, C)
            additions = [single] if single is not None else []
        if not additions:  # nothing left to hide it behind: suppress the whole table
            for cell in published_entries:
                reasons.setdefault(cell, "secondary")
            break
        for cell in additions:
            reasons[cell] = "secondary"

    # The greedy pass can hide more than needed: publish again any secondary suppression
    # (largest first) whose return leaves every suppressed cell unrecoverable.
    secondary = sorted((c for c, r in reasons.items() if r == "secondary"), key=lambda c: -bordered[c[0]][c[1]])
    for cell in secondary:
        trial = set(reasons) - {cell}
        if not recoverable(bordered, trial, equations):
            del reasons[cell]

    def out(i: int, j: int) -> int | None:
        return SUPPRESSED if (i, j) in reasons else round_count(bordered[i][j], rules)

    return ProtectedTable(
        cells=[[out(i, j) for j in range(C)] for i in range(R)],
        row_totals=[out(i, C) for i in range(R)] if row_totals else None,
        column_totals=[out(R, j) for j in range(C)] if column_totals else None,
        grand_total=out(R, C) if (row_totals and column_totals) else None,
        reasons=[[reasons.get((i, j), "") for j in range(C + 1)] for i in range(R + 1)],
    )


def _next_suppression(exposed, bordered, reasons, published, equations, R, C, shortlist: int = 24):
    """The published entry whose suppression leaves the fewest cells recoverable.

    Only entries sharing a row or column with an exposed cell can help. Ties go to interior
    cells before totals, non-zero before zero (readers often know where zeros must be), then
    the smallest count: hide as little as possible.
    """
    candidates = set()
    for i, j in exposed:
        candidates |= {(i, k) for k in range(C + 1)} | {(k, j) for k in range(R + 1)}
    candidates = [c for c in candidates if c in published and c not in reasons]
    if not candidates:
        candidates = [c for c in published if c not in reasons]
    if not candidates:
        return None

    def cheapness(cell):
        value = bordered[cell[0]][cell[1]]
        return (cell[0] == R or cell[1] == C, value == 0, value, cell)

    shortlisted = sorted(candidates, key=cheapness)[:shortlist]
    suppressed = set(reasons)
    return min(
        shortlisted, key=lambda cell: (len(recoverable(bordered, suppressed | {cell}, equations)), cheapness(cell))
    )


def _rectangle(exposed, bordered, reasons, published, equations, R, C, shortlist: int = 24):
    """For a table with all its margins: the classic hypercube step. An exposed cell (i, j) is
    hidden behind a rectangle (i, j), (i, k), (l, j), (l, k), so each of its rows and columns
    has two unknowns that can trade off against each other. Chooses the cheapest rectangle."""
    i, j = min(exposed)

    def value_cost(cell):
        if cell in reasons:
            return (0, 0)
        value = bordered[cell[0]][cell[1]]
        return (1 if (cell[0] == R or cell[1] == C) else 0, value + (1000 if value == 0 else 0))

    options = []
    for row in range(R + 1):
        for col in range(C + 1):
            if row == i or col == j:
                continue
            corners = [(i, col), (row, j), (row, col)]
            if any(c not in published for c in corners):
                continue
            new = [c for c in corners if c not in reasons]
            if not new:
                continue
            totals = sum(value_cost(c)[0] for c in new)
            options.append((totals, sum(value_cost(c)[1] for c in new), len(new), new))
    if not options:
        return []
    options.sort(key=lambda option: option[:3])
    suppressed = set(reasons)
    best = min(
        options[:shortlist],
        key=lambda option: (len(recoverable(bordered, suppressed | set(option[3]), equations)), option[:3]),
    )
    return best[3]


def protect_counts(
    counts: Mapping[str, int] | Sequence[int],
    rules: DisclosureRules = OPENSAFELY,
    *,
    total: bool = True,
) -> dict:
    """A one-way list of counts (e.g. residents per segment), optionally with its total.

    Returns {"values": same shape as ``counts`` with None where suppressed, "total": …}.
    """
    keys = list(counts.keys()) if isinstance(counts, Mapping) else None
    values = list(counts.values()) if keys is not None else list(counts)
    if not values:
        return {"values": {} if keys is not None else [], "total": 0 if total else None}
    protected = protect_table([[v] for v in values], rules, row_totals=False, column_totals=total)
    column = [row[0] for row in protected.cells]
    published = dict(zip(keys, column, strict=True)) if keys is not None else column
    return {"values": published, "total": protected.column_totals[0] if total else None}


def protect_dataframe(frame, rules: DisclosureRules = OPENSAFELY, *, totals: bool = True):
    """A pandas DataFrame of counts (rows × columns) → the publishable DataFrame.

    With ``totals`` a row and a column named ``rules.total_label`` are added. Suppressed
    values are ``pd.NA``; the result has the nullable ``Int64`` dtype.
    """
    import pandas as pd

    protected = protect_table(frame.to_numpy(dtype="int64").tolist(), rules, row_totals=totals, column_totals=totals)
    data = [list(row) for row in protected.cells]
    index = list(frame.index)
    columns = list(frame.columns)
    if totals:
        for row, value in zip(data, protected.row_totals, strict=True):
            row.append(value)
        data.append(list(protected.column_totals) + [protected.grand_total])
        index.append(rules.total_label)
        columns.append(rules.total_label)
    result = pd.DataFrame(data, index=index, columns=columns)
    return result.astype("Int64")
