"""Spec: Chiang II abridged life table, its interval, refusals, and the Arriaga decomposition.

Hand-worked tables first (every step written out), then a check against an independent,
loop-by-loop implementation of the PHE Life Expectancy Calculator's formulae on the
calculator's own example populations (PHEindicatormethods ``phe_life_expectancy`` example).
"""

import math

import numpy as np
import pytest

from octopus.stats import LifeTableError, arriaga, life_expectancy, life_table

Z95 = 1.959963984540054

# Worked table A: nobody dies before 85; 85-89 has 1,000 person-years and 100 deaths; 90+ has
# 500 person-years and 250 deaths.
#   85-89: M = 0.1, n = 5, a = 0.5: q = 5(0.1) / (1 + 5(0.5)(0.1)) = 0.5 / 1.25 = 0.4
#   l_0 ... l_85 = 100,000; l_90 = 60,000; d_85 = 40,000
#   L_0 = 1 (100,000 + 0.1 x 0) = 100,000; L_1-4 = 400,000; 16 bands 5-9 ... 80-84: 500,000 each
#   L_85 = 5 (60,000 + 0.5 x 40,000) = 400,000; L_90+ = l_90 / M_90 = 60,000 / 0.5 = 120,000
#   T_0 = 100,000 + 400,000 + 16 x 500,000 + 400,000 + 120,000 = 9,020,000: e_0 = 90.2
#   T_65 = 4 x 500,000 + 520,000 = 2,520,000: e_65 = 25.2; e_85 = 5.2; e_90 = 2.0
# Variance (Chiang, with Silcocks' open band):
#   var(q_85) = q^2 (1 - q) / D = 0.16 x 0.6 / 100 = 0.00096
#   W_85 = 0.00096 x 100,000^2 x ((1 - 0.5) 5 + e_90)^2 = 9.6e6 x 4.5^2 = 194,400,000
#   W_90 = (l_90 / 2)^2 x 4 / (D M^2) = 30,000^2 x 4 / (250 x 0.25) = 57,600,000
#   var(e_x), x <= 85: (194.4e6 + 57.6e6) / 1e10 = 0.0252; var(e_90) = 57.6e6 / 60,000^2 = 0.016
POPULATIONS_A = [1000] * 18 + [1000, 500]
DEATHS_A = [0] * 18 + [100, 250]


def test_worked_table_values():
    table = life_table(POPULATIONS_A, DEATHS_A)
    assert table.probabilities[18] == pytest.approx(0.4)
    assert table.survivors[19] == pytest.approx(60_000)
    assert table.years_lived[18] == pytest.approx(400_000)
    assert table.years_lived[19] == pytest.approx(120_000)
    (e0, *_), (e65, *_), (e85, *_), (e90, *_) = life_expectancy([0, 65, 85, 90], POPULATIONS_A, DEATHS_A)
    assert (e0, e65, e85, e90) == pytest.approx((90.2, 25.2, 5.2, 2.0))


def test_worked_table_intervals():
    (e0, low0, high0), (e90, low90, high90) = life_expectancy([0, 90], POPULATIONS_A, DEATHS_A)
    assert high0 - e0 == pytest.approx(Z95 * math.sqrt(0.0252))
    assert e0 - low0 == pytest.approx(Z95 * math.sqrt(0.0252))
    assert high90 - e90 == pytest.approx(Z95 * math.sqrt(0.016))
    # A wider level gives a wider interval around the same value.
    ((value, low, high),) = life_expectancy([0], POPULATIONS_A, DEATHS_A, confidence=0.998)
    assert value == pytest.approx(90.2) and high - value > high0 - e0


def test_first_year_lived_a_tenth_by_those_who_die():
    # Worked table B: table A plus 10 deaths in 1,000 infants. M_0 = 0.01, n = 1, a = 0.1:
    #   q_0 = 0.01 / (1 + 0.9 x 0.01) = 0.01 / 1.009; l_1 = 100,000 (1 - q_0); d_0 = 100,000 q_0
    #   L_0 = l_1 + 0.1 d_0; every later L is table A's scaled by l_1 / 100,000, so
    #   e_0 = (L_0 + (l_1 / 100,000)(9,020,000 - 100,000)) / 100,000
    deaths = [10] + DEATHS_A[1:]
    q0 = 0.01 / 1.009
    l1 = 100_000 * (1 - q0)
    expected = (l1 + 0.1 * 100_000 * q0 + l1 / 100_000 * 8_920_000) / 100_000
    (e0, _, _), (e1, _, _) = life_expectancy([0, 1], POPULATIONS_A, deaths)
    assert e0 == pytest.approx(expected)
    assert e1 == pytest.approx(89.2)  # from age 1 the table is table A's from 1


@pytest.mark.parametrize(
    ("populations", "deaths", "message"),
    [
        ([1000] * 5 + [0] + [1000] * 14, [1] * 20, "the 20-24 band has no population"),
        ([1000] * 20, [1] * 3 + [1001] + [1] * 16, "the 10-14 band has more deaths (1001) than population (1000)"),
        ([1000] * 20, [1] * 19 + [0], "the 90+ band has no deaths"),
        ([1000] * 19, [1] * 19, "each of the 20 age bands"),
        ([1000] * 20, [-1] + [1] * 19, "the under 1 band has -1 deaths"),
    ],
)
def test_refusals_name_the_band(populations, deaths, message):
    with pytest.raises(LifeTableError, match=message.replace("(", r"\(").replace(")", r"\)").replace("+", r"\+")):
        life_expectancy([0], populations, deaths)


def test_life_expectancy_only_at_a_band_start():
    with pytest.raises(LifeTableError, match="65 is not|start of a band"):
        life_expectancy([66], POPULATIONS_A, DEATHS_A)


# PHE Life Expectancy Calculator example (PHEindicatormethods, phe_life_expectancy's example).
PHE_POPULATIONS = [7060, 35059, 46974, 48489, 43219, 38561, 46009, 57208, 61435, 55601, 50209, 56416, 46411,
                   39820, 37978, 37039, 33288, 23306, 11936, 11936]  # fmt: skip
PHE_DEATHS = [17, 9, 4, 8, 20, 15, 24, 33, 50, 71, 100, 163, 263, 304, 536, 872, 1390, 1605, 1936, 1937]


def _calculator_by_hand(populations, deaths, z):
    """The calculator's formulae, one band at a time in plain Python (no shared code)."""
    starts = [0, 1] + list(range(5, 95, 5))
    k = len(starts)
    alive, big_l, q = [100_000.0], [], []
    for i in range(k):
        m = deaths[i] / populations[i]
        if i == k - 1:
            q.append(1.0)
            big_l.append(alive[i] / m)
            break
        n = starts[i + 1] - starts[i]
        a = 0.1 if i == 0 else 0.5
        q.append(n * m / (1 + n * (1 - a) * m))
        alive.append(alive[i] * (1 - q[i]))
        big_l.append(n * (alive[i + 1] + a * (alive[i] - alive[i + 1])))
    e = [sum(big_l[i:]) / alive[i] for i in range(k)]
    weights = []
    for i in range(k - 1):
        n = starts[i + 1] - starts[i]
        a = 0.1 if i == 0 else 0.5
        var_q = q[i] ** 2 * (1 - q[i]) / deaths[i] if deaths[i] else 0.0
        weights.append(var_q * alive[i] ** 2 * ((1 - a) * n + e[i + 1]) ** 2)
    m_w = deaths[-1] / populations[-1]
    weights.append((alive[-1] / 2) ** 2 * 4 / (deaths[-1] * m_w**2))
    return [
        (
            e[i],
            e[i] - z * math.sqrt(sum(weights[i:]) / alive[i] ** 2),
            e[i] + z * math.sqrt(sum(weights[i:]) / alive[i] ** 2),
        )
        for i in range(k)
    ]


def test_matches_an_independent_calculation_of_the_calculators_example():
    expected = _calculator_by_hand(PHE_POPULATIONS, PHE_DEATHS, Z95)
    got = life_expectancy([0, 1] + list(range(5, 95, 5)), PHE_POPULATIONS, PHE_DEATHS)
    assert np.allclose(np.array(got), np.array(expected), rtol=1e-10)
    # A plausible English table: about 80 at birth, about 19 at 65.
    assert 75 < got[0][0] < 85 and 15 < got[14][0] < 22


def test_arriaga_parts_add_up_to_the_gap():
    rng = np.random.default_rng(23)
    populations = np.array(PHE_POPULATIONS, float)
    deprived = np.array(PHE_DEATHS, float) * 1.4
    affluent = np.array(PHE_DEATHS, float) * 0.8
    first, second = life_table(populations, deprived), life_table(populations, affluent)
    # Split each band's deaths between three causes at random shares.
    shares_first = rng.dirichlet([1, 1, 1], size=20).T
    shares_second = rng.dirichlet([1, 1, 1], size=20).T
    causes = {
        name: (deprived * shares_first[i], affluent * shares_second[i])
        for i, name in enumerate(("circulatory", "cancer", "other"))
    }
    by_band, by_cause = arriaga(first, second, causes)
    gap = second.expectancy[0] - first.expectancy[0]
    assert gap > 0
    assert by_band.sum() == pytest.approx(gap, rel=1e-12)
    assert sum(part.sum() for part in by_cause.values()) == pytest.approx(gap, rel=1e-12)
    assert np.allclose(sum(by_cause.values()), by_band)


def test_arriaga_worked_example_one_band_differs():
    # Only 90+ mortality differs: 250 deaths (table A, e_90 = 2.0) against 125 (e_90 = 4.0).
    # Everyone reaches 90 with the same l_90 = 60,000, so the open band's term is the whole gap:
    # l_90 / l_0 x (e_90(second) - e_90(first)) = 0.6 x 2.0 = 1.2 years = e_0(second) - e_0(first).
    first = life_table(POPULATIONS_A, DEATHS_A)
    second = life_table(POPULATIONS_A, DEATHS_A[:-1] + [125])
    by_band, _ = arriaga(first, second)
    assert by_band[-1] == pytest.approx(1.2)
    assert np.allclose(by_band[:-1], 0)
