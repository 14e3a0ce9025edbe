import pandas as pd
import pytest

from octopus.population.config import ConfigError
from octopus.population.risk.bands import (
    Band,
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
        BandScale((Band(1, "High", 5), Band(2, "Rest", 50)), RisingRiskRule())


def test_rising_risk_by_centile_rise_or_entering_top_20_keeps_case_managed():
    now = pd.DataFrame({"person_id": ["a", "b", "c", "d", "e"], "risk_centile": [50, 85, 95, 95, 99]})
    before = pd.DataFrame({"person_id": ["a", "b", "c", "d"], "risk_centile": [30, 79, 94, 60]})
    result = flag_rising_risk(now, before, RisingRiskRule(10, 20), frozenset({"d"}), "2025-01-01")
    assert result["rising_risk"].tolist() == [True, True, False, True, False]
    assert result["case_managed"].tolist() == [False, False, False, True, False]
    assert result.loc[0, "rising_risk_reason"] == "risk centile rose from 30 to 50 since the run as of 2025-01-01"
    assert result.loc[1, "rising_risk_reason"] == "newly in the top 20% for risk"
