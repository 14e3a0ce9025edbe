"""Structural checks for the coded values feeds carry, and reading shipped code lists.

The checks are structural on purpose: they catch a code in the wrong column, a truncated or
mistyped code, or a spreadsheet that turned codes into floats. Whether a code *means* anything is
the job of code lists (`load_codelist`), which another module ships with their provenance.
"""

from __future__ import annotations

import csv
import re
from pathlib import Path

# SNOMED CT identifiers are 6 to 18 digits with no leading zero, the last a Verhoeff check digit.
# Reference: SNOMED CT Technical Implementation Guide, "SCTID" and "Check-digit computation"
# (https://confluence.ihtsdotools.org/display/DOCRELFMT/6.1+SCTID+Data+Type).
_SNOMED_SHAPE = re.compile(r"[1-9][0-9]{5,17}")

# ICD-10 codes as hospitals send them: a letter and two digits, then optionally a dot and up to
# four more characters ("J45", "J45.0", "J450", HES's filler "R69X", UK 5th-character extensions).
# Reference: WHO ICD-10 (5th edition) code structure; NHS Digital "ICD-10 in HES" notes on the
# X filler. The shipped code lists use the undotted form, so compare via `normalise_icd10_code`.
_ICD10_SHAPE = re.compile(r"[A-Z][0-9]{2}(?:\.?[0-9A-Z]{1,4})?")

# UK postcode shape (outward code, optional single space, inward code), upper case.
# Reference: GOV.UK Data Standards Authority, "Postcode" (BS 7666 format);
# https://www.gov.uk/government/publications/open-standards-for-government/uk-postcodes
_POSTCODE_SHAPE = re.compile(r"[A-Z]{1,2}[0-9][A-Z0-9]? ?[0-9][A-Z]{2}")

# Verhoeff (1969) dihedral-group tables, as given in the SNOMED CT check-digit specification.
_VERHOEFF_MULTIPLY = (
    (0, 1, 2, 3, 4, 5, 6, 7, 8, 9),
    (1, 2, 3, 4, 0, 6, 7, 8, 9, 5),
    (2, 3, 4, 0, 1, 7, 8, 9, 5, 6),
    (3, 4, 0, 1, 2, 8, 9, 5, 6, 7),
    (4, 0, 1, 2, 3, 9, 5, 6, 7, 8),
    (5, 9, 8, 7, 6, 0, 4, 3, 2, 1),
    (6, 5, 9, 8, 7, 1, 0, 4, 3, 2),
    (7, 6, 5, 9, 8, 2, 1, 0, 4, 3),
    (8, 7, 6, 5, 9, 3, 2, 1, 0, 4),
    (9, 8, 7, 6, 5, 4, 3, 2, 1, 0),
)
_VERHOEFF_PERMUTE = (
    (0, 1, 2, 3, 4, 5, 6, 7, 8, 9),
    (1, 5, 7, 6, 2, 8, 3, 0, 9, 4),
    (5, 8, 0, 3, 7, 9, 6, 1, 4, 2),
    (8, 9, 1, 6, 0, 4, 3, 5, 2, 7),
    (9, 4, 5, 3, 1, 2, 6, 8, 7, 0),
    (4, 2, 8, 6, 5, 7, 3, 9, 0, 1),
    (2, 7, 9, 3, 8, 0, 6, 4, 1, 5),
    (7, 0, 4, 6, 9, 1, 3, 2, 5, 8),
)


def has_valid_verhoeff_check_digit(digits: str) -> bool:
    """True if the last digit of `digits` is the Verhoeff check digit of the others."""
    checksum = 0
    for position, digit in enumerate(reversed(digits)):
        checksum = _VERHOEFF_MULTIPLY[checksum][_VERHOEFF_PERMUTE[position % 8][int(digit)]]
    return checksum == 0


def is_valid_snomed_code(value: str) -> bool:
    """True if `value` has the shape of a SNOMED CT concept identifier."""
    return (
        isinstance(value, str) and _SNOMED_SHAPE.fullmatch(value) is not None and has_valid_verhoeff_check_digit(value)
    )


def is_valid_icd10_code(value: str) -> bool:
    """True if `value` has the shape of an ICD-10 code (dotted or not)."""
    return isinstance(value, str) and _ICD10_SHAPE.fullmatch(value) is not None


def normalise_icd10_code(value: str) -> str:
    """The undotted form used by the shipped ICD-10 code lists: "J45.0" -> "J450"."""
    return value.replace(".", "")


def is_valid_postcode(value: str) -> bool:
    """True if `value` has the shape of a full UK postcode, upper case."""
    return isinstance(value, str) and _POSTCODE_SHAPE.fullmatch(value) is not None


def normalise_postcode(value: str) -> str:
    """One canonical spelling for joining and linkage: upper case, one space before the inward code."""
    compact = "".join(value.split()).upper()
    return f"{compact[:-3]} {compact[-3:]}"


def load_codelist(name: str, directory: Path | None = None) -> frozenset[str]:
    """The codes of the list ``name`` (its `code` column), resolved by the code-list registry
    (decision 0066) that the engine's features use too.

    ``directory`` (``--codelist-dir``) points at a folder of refreshed downloads holding the
    registered file names; without it the registry finds the file in effect.
    """
    from octopus.codelists.registry import CodelistNotFound, registry
    from octopus.codelists.registry import path as registered_path

    try:
        file_name = registry().entry(name).file
    except CodelistNotFound:
        file_name = f"{name}.csv"  # an unregistered list in a given folder is still read, by its name
        if directory is None:
            raise
    path = Path(directory) / file_name if directory is not None else registered_path(name)
    try:
        with path.open(newline="", encoding="utf-8") as handle:
            reader = csv.DictReader(handle)
            if reader.fieldnames is None or "code" not in reader.fieldnames:
                raise ValueError(
                    f"Code list {path} has no 'code' column (found {reader.fieldnames}); every code list needs one."
                )
            return frozenset(row["code"].strip() for row in reader if row["code"].strip())
    except FileNotFoundError:
        raise FileNotFoundError(
            f"Code list '{name}' was not found at {path}; check the column's 'codelist' name "
            "and the code-list directory."
        ) from None
