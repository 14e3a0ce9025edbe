"""Rising risk: residents whose risk has grown since the previous snapshot.

Flagged when the risk centile rose by at least ``centile_rise`` since the previous run, or the
resident newly entered the top ``top_percent`` — unless already case-managed (then a team is
already with them). Residents new to the population have no history and are not flagged.
"""

from __future__ import annotations

import pandas as pd

from octopus.population.risk.bands import RisingRiskRule


def flag_rising_risk(scored: pd.DataFrame, previous: pd.DataFrame | None, rule: RisingRiskRule,
                     case_managed: frozenset[str] = frozenset(), previous_as_of: str | None = None) -> pd.DataFrame:
    result = scored.copy(deep=False)  # copy-on-write: see score._with_scores
    result["case_managed"] = result["person_id"].isin(case_managed)
    if previous is None or previous.empty:
        result["previous_risk_centile"] = pd.array([pd.NA] * len(result), dtype="Int64")
        result["rising_risk"] = False
        result["rising_risk_reason"] = None
        return result
    before = previous.set_index("person_id")["risk_centile"]
    prior = result["person_id"].map(before).astype("Int64")
    result["previous_risk_centile"] = prior
    threshold = 100 - rule.top_percent  # centile above which a resident is in the top share
    rose = (result["risk_centile"] - prior) >= rule.centile_rise
    entered = (result["risk_centile"] > threshold) & (prior <= threshold)
    eligible = prior.notna() & ~result["case_managed"]
    since = f" since the run as of {previous_as_of}" if previous_as_of else " since the previous run"
    rose_reason = (
        "risk centile rose from " + prior.astype("string") + " to "
        + result["risk_centile"].astype("string") + since
    ).where((eligible & rose.fillna(False)).astype(bool))
    entered_reason = pd.Series(f"newly in the top {rule.top_percent:g}% for risk", index=result.index,
                               dtype="string").where((eligible & entered.fillna(False)).astype(bool))
    both = rose_reason + "; " + entered_reason
    reason = both.fillna(rose_reason).fillna(entered_reason)
    result["rising_risk_reason"] = reason.astype(object).where(reason.notna(), None).tolist()
    result["rising_risk"] = result["rising_risk_reason"].notna()
    return result
