"""Spec: confidence intervals for proportions and counts, against published worked values.

Wilson: Newcombe RG, Stat Med 1998;17:857-72, table II (method 3, score interval without
continuity correction), the examples the APHO/PHE technical guidance also uses.
Exact Poisson: the classic Garwood limits (as tabulated in Breslow & Day 1987, table 2.10 and
APHO Technical Briefing 3). Byar: worked by hand below from Breslow & Day's formula.
"""

import math

import pytest

from octopus.stats import byar_ci, exact_poisson_ci, proportion_ci, rate_ci, z_for


@pytest.mark.parametrize(
    ("numerator", "denominator", "lower", "upper"),
    [
        (81, 263, 0.2553, 0.3662),
        (15, 148, 0.0624, 0.1605),
        (0, 20, 0.0, 0.1611),
        (1, 29, 0.0061, 0.1718),
    ],
)
def test_proportion_ci_matches_newcombe_table(numerator, denominator, lower, upper):
    low, high = proportion_ci(numerator, denominator)
    assert (round(low, 4), round(high, 4)) == (lower, upper)


def test_proportion_ci_all_events_reaches_one():
    low, high = proportion_ci(20, 20)
    assert high == 1.0 and round(low, 4) == round(1 - 0.1611, 4)  # the mirror of 0/20


def test_proportion_ci_wider_at_99_8_percent():
    low95, high95 = proportion_ci(30, 100)
    low998, high998 = proportion_ci(30, 100, confidence=0.998)
    assert low998 < low95 < 0.3 < high95 < high998


@pytest.mark.parametrize(
    ("bad", "message"), [((5, 0), "denominator"), ((11, 10), "numerator"), ((-1, 10), "numerator")]
)
def test_proportion_ci_refuses_impossible_inputs(bad, message):
    with pytest.raises(ValueError, match=message):
        proportion_ci(*bad)


@pytest.mark.parametrize(
    ("count", "lower", "upper"),
    [
        (0, 0.0, 3.689),
        (1, 0.0253, 5.572),
        (5, 1.6235, 11.6683),
        (9, 4.1154, 17.0848),
    ],
)
def test_rate_ci_below_ten_is_exact_poisson(count, lower, upper):
    low, high = rate_ci(count)
    assert low == pytest.approx(lower, abs=5e-4) and high == pytest.approx(upper, abs=5e-4)


def test_rate_ci_from_ten_is_byar_worked_by_hand():
    # Byar (Breslow & Day 1987): lower = O(1 - 1/(9O) - z/(3 sqrt O))^3,
    # upper = (O+1)(1 - 1/(9(O+1)) + z/(3 sqrt(O+1)))^3, with O = 65 and z = 1.959964:
    # 1/585 = 0.0017094, 1.959964/(3 x 8.0622577) = 0.0810345 -> 65 x 0.9172561^3 = 50.1632
    # 1/594 = 0.0016835, 1.959964/(3 x 8.1240384) = 0.0804183 -> 66 x 1.0787348^3 = 82.8491
    low, high = rate_ci(65)
    assert low == pytest.approx(50.1632, abs=1e-3)
    assert high == pytest.approx(82.8491, abs=1e-3)


def test_rate_ci_switches_method_at_ten_events():
    assert rate_ci(9) == exact_poisson_ci(9)
    assert rate_ci(10) == byar_ci(10)
    # Byar is close to exact from 10 events (within 1% of the count at 10).
    assert all(math.isclose(a, b, rel_tol=0.01) for a, b in zip(byar_ci(10), exact_poisson_ci(10), strict=True))


def test_z_for_confidence_levels():
    assert z_for(0.95) == pytest.approx(1.959964, abs=1e-6)
    assert z_for(0.998) == pytest.approx(3.090232, abs=1e-6)
    with pytest.raises(ValueError, match="0.95"):
        z_for(95)
