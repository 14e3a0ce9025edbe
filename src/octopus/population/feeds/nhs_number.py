"""The NHS number check digit.

Reference: NHS Data Dictionary, "NHS Number" (data element), validation by the Modulus 11
algorithm: https://www.datadictionary.nhs.uk/attributes/nhs_number.html
"""

from __future__ import annotations

import re

# Feeds carry the canonical form only: ten ASCII digits, no spaces or dashes. The loader may
# tidy "943 476 5919" before checking, but the contract itself is strict so two feeds never
# disagree about the same person's number.
_TEN_DIGITS = re.compile(r"[0-9]{10}")

# Weights 10 down to 2 are applied to the first nine digits (NHS Data Dictionary, step 1).
_WEIGHTS = range(10, 1, -1)


def nhs_number_check_digit(first_nine_digits: str) -> int | None:
    """Return the check digit for nine digits, or None when none exists.

    A remainder that gives 10 has no check digit: such numbers are never issued, so any NHS
    number that would need one is invalid (NHS Data Dictionary, step 4).
    """
    total = sum(int(digit) * weight for digit, weight in zip(first_nine_digits, _WEIGHTS, strict=True))
    check_digit = 11 - (total % 11)
    if check_digit == 11:
        return 0
    if check_digit == 10:
        return None
    return check_digit


def is_valid_nhs_number(value: str) -> bool:
    """True if `value` is ten digits whose last digit is the Modulus 11 check digit.

    Ten identical digits are rejected too, although 0000000000 and 9999999999 pass Modulus 11:
    systems use them as "unknown" placeholders, and accepting them would let the linker join
    every unknown person into one.
    """
    if not isinstance(value, str) or not _TEN_DIGITS.fullmatch(value):
        return False
    if len(set(value)) == 1:
        return False
    return nhs_number_check_digit(value[:9]) == int(value[9])
