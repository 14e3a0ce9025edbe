"""NHS numbers from the test range, valid under Modulus 11.

Numbers starting 999 are reserved for testing and never issued to a person. That range holds
about 909,000 valid numbers; larger populations continue into 998, 997, ... which are not
allocated in England, Wales or the Isle of Man either (allocated ranges start 3, 4, 6 and 7).
"""

from __future__ import annotations

import numpy as np

from octopus.population.feeds.nhs_number import nhs_number_check_digit

_WEIGHTS = np.arange(10, 1, -1)


def check_digits(bodies: np.ndarray) -> np.ndarray:
    """Modulus 11 check digit of nine-digit bodies; -1 where none exists (remainder 10)."""
    digits = (bodies[:, None] // 10 ** np.arange(8, -1, -1)) % 10
    check = 11 - (digits * _WEIGHTS).sum(axis=1) % 11
    check = np.where(check == 11, 0, check)
    return np.where(check == 10, -1, check)


def test_range_numbers(count: int, seed: int) -> np.ndarray:
    """`count` distinct valid NHS numbers (strings), shuffled deterministically by `seed`."""
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
    chosen = np.random.default_rng([seed, 99]).permutation(pool)[:count]
    return chosen.astype(str).astype(object)
