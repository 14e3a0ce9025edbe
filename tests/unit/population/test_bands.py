import pandas as pd
import pytest

from octopus.config import ConfigError, parse_text
from octopus.population.risk.bands import (
    BandScale,
    RisingRiskRule,
    assign_bands,
    centiles,
    load_bands,
)
from octopus.population.risk.rising import flag_rising_risk


def test_default_bands_cut_population_by_rank():
    probability = pd.Series([i / 1000 for i in range(1000)])
    bands = assign_bands(probability, load_bands())
    assert bands.value_counts().sort_index().to_dict() == {1: 5, 2: 15, 3: 30, 4: 150, 5: 300, 6: 500}


def test_centile_100_is_the_highest_risk_percent():
    probability = pd.Series([i / 200 for i in range(200)])
    assert centiles(probability).tolist()[-2:] == [100, 100]
    assert centiles(probability).tolist()[:2] == [1, 1]


def test_bands_must_end_at_100_percent():
    with pytest.raises(ConfigError, match="top_percent: 100"):
        parse_text(
            "bands:\n  - {band: 1, name: High, top_percent: 5}\n  - {band: 2, name: Rest, top_percent: 50}\n",
            BandScale,
            "bands.yaml",
        )


def test_rising_risk_by_centile_rise_or_entering_top_20_keeps_case_managed():
    now = pd.DataFrame({"person_id": ["a", "b", "c", "d", "e"], "risk_centile": [50, 85, 95, 95, 99]})
    before = pd.DataFrame({"person_id": ["a", "b", "c", "d"], "risk_centile": [30, 79, 94, 60]})
    result = flag_rising_risk(
        now, before, RisingRiskRule(centile_rise=10, top_percent=20), frozenset({"d"}), "2025-01-01"
    )
    assert result["rising_risk"].tolist() == [True, True, False, True, False]
    assert result["case_managed"].tolist() == [False, False, False, True, False]
    assert result.loc[0, "rising_risk_reason"] == "risk centile rose from 30 to 50 since the run as of 2025-01-01"
    assert result.loc[1, "rising_risk_reason"] == "newly in the top 20% for risk"


def test_centile_on_a_boundary_is_exact():
    # 100 residents, the 7th highest is exactly on the boundary of the top 7%: centile 94.
    # In floating point 7 / 100 * 100 = 7.000000000000001 and the old code gave 93.
    probability = pd.Series([1 - i / 1000 for i in range(100)])
    assert centiles(probability).tolist()[:8] == [100, 99, 98, 97, 96, 95, 94, 93]
    assert centiles(probability).tolist() == list(range(100, 0, -1))


def test_centiles_match_exact_rational_arithmetic_for_many_sizes():
    from fractions import Fraction
    from math import ceil

    for n in (3, 7, 29, 100, 101, 333, 1000, 1234):
        probability = pd.Series([-float(i) for i in range(n)])  # rank from top = i + 1
        expected = [max(1, min(100, 101 - ceil(Fraction(100 * (i + 1), n)))) for i in range(n)]
        assert centiles(probability).tolist() == expected


def test_band_boundary_is_exact():
    # 200 residents: the top 0.5% is exactly one resident, the top 2% exactly four.
    probability = pd.Series([-float(i) for i in range(200)])
    bands = assign_bands(probability, load_bands())
    assert bands.tolist()[:6] == [1, 2, 2, 2, 3, 3]
