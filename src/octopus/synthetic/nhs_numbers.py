"""NHS numbers from the test range, valid under Modulus 11.

Numbers starting 999 are reserved for testing and never issued to a person. That range holds
about 909,000 valid numbers; larger populations continue into 998, 997, ... which are not
allocated in England, Wales or the Isle of Man either (allocated ranges start 3, 4, 6 and 7).
"""

from __future__ import annotations

import numpy as np

from octopus.population.feeds.nhs_number import nhs_number_check_digit


def check_digits(bodies: np.ndarray) -> np.ndarray:
    """Modulus 11 check digit of nine-digit bodies; -1 where none exists (remainder 10)."""
    total = np.zeros(len(bodies), dtype=np.int64)
    rest = bodies.astype(np.int64)
    # Digit by digit from the right (weights 2..10): nine passes over the array, no 2-D temporaries.
    for weight in range(2, 11):
        total += (rest % 10) * weight
        rest //= 10
    check = 11 - total % 11
    check = np.where(check == 11, 0, check)
    return np.where(check == 10, -1, check)


def test_range_integers(count: int, seed: int) -> np.ndarray:
    """`count` distinct valid NHS numbers (int64), shuffled deterministically by `seed`."""
    pools = []
    have = 0
    prefix = 999
    while have < count:
        bodies = prefix * 1_000_000 + np.arange(1_000_000, dtype=np.int64)
        check = check_digits(bodies)
        numbers = bodies * 10 + check
        keep = (check >= 0) & (numbers != 9_999_999_999)
        pools.append(numbers[keep])
        have += int(keep.sum())
        prefix -= 1
    pool = np.concatenate(pools)
    assert nhs_number_check_digit(str(pool[0])[:9]) == pool[0] % 10
    return np.random.default_rng([seed, 99]).permutation(pool)[:count]


def test_range_numbers(count: int, seed: int) -> np.ndarray:
    """As `test_range_integers`, as strings."""
    return test_range_integers(count, seed).astype(str).astype(object)
