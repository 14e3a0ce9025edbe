"""Coded lists: one cell holding several codes, the one parser for validation and features.

A feed column marked `multiple` (hospital secondary diagnoses, for instance) holds codes joined
by `|`. Senders write them with spaces ("N390 | W190 | S000"), dots ("I50.0") and in lower
case. Validation and the engine must read such a cell the same way: when validation trimmed each
code and scoring did not, " W190" passed the feed check and then matched no HFRS or hospital
long-term condition code, so the resident lost those points silently (issue #15).

The rule, written once here in its two forms (Python for validation, an Ibis expression for the
engine on DuckDB and Spark): split on `|`, strip white space around each code; for matching,
drop dots and upper-case. Empty parts are kept by
`split_codes` (validation refuses "N390||W190") and dropped by the engine, which matches only
codes of at least three characters (an ICD-10 category). Spec test:
tests/spec/population/test_coded_lists.py; unit test: tests/unit/test_coded_lists.py.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:  # the feed loader imports this module and must not pay for importing ibis
    import ibis

# The contract's separator (feeds.contract.MULTIPLE_SEPARATOR, kept equal by a unit test).
SEPARATOR = "|"


def split_codes(value: str) -> list[str]:
    """Each code of a cell as written, white space around it removed (empty parts kept)."""
    return [part.strip() for part in value.split(SEPARATOR)]


def matching_form(code: str) -> str:
    """The form code lists are matched in: no dots, upper case ("i50.0" -> "I500")."""
    return code.replace(".", "").upper()


def codes_of(*cells: ibis.StringValue) -> ibis.ArrayValue:
    """The engine's form of `split_codes` over several cells joined: an array of raw parts.

    Spark's `split` takes a regular expression, in which "|" is special, so the separator
    becomes "," first and the split is on "," (a comma is never part of a code, and validation
    refuses a cell with one, so none reaches the engine).
    """
    joined = cells[0].fill_null("")
    for cell in cells[1:]:
        joined = joined + "," + cell.fill_null("")
    return joined.replace(SEPARATOR, ",").split(",")


# The white space Ibis's ``strip`` removes on every engine (space, tab, newline, carriage
# return, vertical tab, form feed), as a regular expression anchored at each end.
_AROUND = r"^[ \t\n\r\v\f]+|[ \t\n\r\v\f]+$"


def matching_code(part: ibis.StringValue) -> ibis.StringValue:
    """The engine's form of `matching_form`, applied after white space is stripped.

    Stripped by a regular expression rather than ``strip``, with the same result: DuckDB's
    ``TRIM`` with a set of characters looks each character up in the set and was several times
    slower on the 1M extract's diagnoses (decision 0081).
    """
    return part.re_replace(_AROUND, "").replace(".", "").upper()
