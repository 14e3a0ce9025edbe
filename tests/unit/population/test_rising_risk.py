"""Rising risk says what changed between two snapshots: spec tests on tiny tables."""

import datetime as dt

import ibis
import pandas as pd
import pytest

from octopus.population.risk.bands import RisingRiskRule
from octopus.population.risk.rising import events_since, flag_rising_risk

RULE = RisingRiskRule(centile_rise=10, top_percent=20)


def _frame(rows: str) -> pd.DataFrame:
    """A table written as text: a header line, then one line per row, cells split on "|"."""
    lines = [line.strip() for line in rows.strip().splitlines()]
    header = [cell.strip() for cell in lines[0].split("|")]
    values = [[_cell(cell) for cell in line.split("|")] for line in lines[1:]]
    return pd.DataFrame(values, columns=header)


def _cell(text: str):
    text = text.strip()
    return {"T": True, "F": False, "": None}.get(text, int(text) if text.isdigit() else text)


def _reasons(now: str, before: str, **kwargs) -> dict:
    result = flag_rising_risk(_frame(now), _frame(before), RULE, previous_as_of="2026-11-01", **kwargs)
    return dict(zip(result["person_id"], result["rising_risk_reason"], strict=True))


def test_rising_risk_reason_names_each_change_most_important_first():
    now = """
        person_id | risk_centile | risk_band | efi_category | ltc_heart_failure | ltc_copd | care_home | emergency_admissions_since_previous | ae_attendances_since_previous
        a         | 97           | 2         | moderate     | T                 | F        | F         | 1                                   | 2
        b         | 85           | 4         | mild         | F                 | T        | T         | 0                                   | 1
        c         | 60           | 5         | fit          | F                 | F        | F         | 0                                   | 0
    """  # noqa: E501
    before = """
        person_id | risk_centile | risk_band | efi_category | ltc_heart_failure | ltc_copd | care_home
        a         | 82           | 4         | fit          | F                 | F        | F
        b         | 70           | 5         | mild         | F                 | F        | F
        c         | 40           | 5         | fit          | F                 | F        | F
    """
    assert _reasons(now, before) == {
        "a": (
            "admitted as an emergency since the last run; "
            "2 A&E attendances since the last run; new heart failure diagnosis; "
            "new frailty: moderate; moved from band 4 to band 2; "
            "risk centile rose from 82 to 97 since the run as of 2026-11-01"
        ),
        "b": (
            "1 A&E attendance since the last run; new COPD diagnosis; moved into a care home; "
            "moved from band 5 to band 4; risk centile rose from 70 to 85 since the run as of 2026-11-01; "
            "newly in the top 20% for risk"
        ),
        "c": "risk centile rose from 40 to 60 since the run as of 2026-11-01",
    }


def test_rising_risk_reason_for_worse_frailty_and_several_admissions():
    now = """
        person_id | risk_centile | efi_category | emergency_admissions_since_previous
        a         | 99           | severe       | 3
    """
    before = """
        person_id | risk_centile | efi_category
        a         | 85           | mild
    """
    assert _reasons(now, before) == {
        "a": (
            "3 emergency admissions since the last run; frailty from mild to severe; "
            "risk centile rose from 85 to 99 since the run as of 2026-11-01"
        ),
    }


def test_rising_risk_no_reason_when_not_flagged_even_if_something_changed():
    now = """
        person_id | risk_centile | ltc_heart_failure
        a         | 52           | T
    """
    before = """
        person_id | risk_centile | ltc_heart_failure
        a         | 50           | F
    """
    assert _reasons(now, before) == {"a": None}


def test_rising_risk_keeps_case_managed_residents_flagged():
    now = """
        person_id | risk_centile
        a         | 90
        b         | 90
    """
    before = """
        person_id | risk_centile
        a         | 50
        b         | 50
    """
    result = flag_rising_risk(_frame(now), _frame(before), RULE, frozenset({"b"}))
    assert result["rising_risk"].tolist() == [True, True]
    assert result["case_managed"].tolist() == [False, True]
    assert (
        result["rising_risk_reason"].tolist()
        == ["risk centile rose from 50 to 90 since the previous run; newly in the top 20% for risk"] * 2
    )


def test_rising_risk_never_flags_new_residents_or_objectors():
    now = pd.DataFrame({"person_id": ["new", "objector"], "risk_centile": pd.array([99, pd.NA], dtype="Int64")})
    before = pd.DataFrame({"person_id": ["objector"], "risk_centile": [10]})
    result = flag_rising_risk(now, before, RULE)
    assert result["rising_risk"].tolist() == [False, False]
    assert result["rising_risk_reason"].tolist() == [None, None]


def test_rising_risk_compares_only_columns_both_snapshots_have():
    now = """
        person_id | risk_centile | risk_band | ltc_heart_failure
        a         | 99           | 1         | T
    """
    before = """
        person_id | risk_centile
        a         | 50
    """
    assert _reasons(now, before) == {
        "a": "risk centile rose from 50 to 99 since the run as of 2026-11-01; newly in the top 20% for risk"
    }


@pytest.mark.parametrize("engine", ["duckdb"])
def test_events_since_counts_only_events_between_the_two_runs(engine):
    spells = ibis.memtable(
        pd.DataFrame(
            {
                "person_id": ["a", "a", "b", "c"],
                "admission_date": [
                    dt.date(2026, 11, 15),
                    dt.date(2026, 10, 1),
                    dt.date(2026, 11, 30),
                    dt.date(2026, 11, 20),
                ],
                "admission_method": ["emergency", "emergency", "elective", "emergency"],
            }
        )
    )
    attendances = ibis.memtable(
        pd.DataFrame(
            {
                "person_id": ["b", "b", "c", "d"],
                "arrival_datetime": pd.to_datetime(
                    ["2026-11-02 10:00", "2026-12-01 23:59", "2026-11-01 08:00", "2026-12-02 00:01"]
                ),
            }
        )
    )
    calls = ibis.memtable(
        pd.DataFrame(
            {
                "person_id": ["c", "e"],
                "incident_datetime": pd.to_datetime(["2026-11-25 03:00", "2026-10-31 23:00"]),
            }
        )
    )
    con = ibis.duckdb.connect()
    expression = events_since(spells, attendances, calls, dt.date(2026, 11, 1), dt.date(2026, 12, 1))
    counts = con.to_pyarrow(expression).to_pandas().sort_values("person_id").set_index("person_id").to_dict("index")
    assert counts == {
        "a": {
            "emergency_admissions_since_previous": 1,
            "ae_attendances_since_previous": 0,
            "ambulance_calls_since_previous": 0,
        },
        "b": {
            "emergency_admissions_since_previous": 0,
            "ae_attendances_since_previous": 2,
            "ambulance_calls_since_previous": 0,
        },
        "c": {
            "emergency_admissions_since_previous": 1,
            "ae_attendances_since_previous": 0,
            "ambulance_calls_since_previous": 1,
        },
    }


def test_rising_risk_requiring_a_change_leaves_out_rank_only_rises():
    now = """
        person_id | risk_centile | risk_band | ltc_copd | ambulance_calls_since_previous
        moved     | 90           | 4         | F        | 0
        coded     | 90           | 4         | T        | 0
        called    | 90           | 4         | F        | 2
    """
    before = """
        person_id | risk_centile | risk_band | ltc_copd
        moved     | 50           | 5         | F
        coded     | 50           | 5         | F
        called    | 50           | 5         | F
    """
    rule = RisingRiskRule(centile_rise=10, top_percent=20, requires_change=True)
    result = flag_rising_risk(_frame(now), _frame(before), rule, previous_as_of="2026-11-01")
    assert result["rising_risk"].tolist() == [False, True, True]
    assert result["rising_risk_reason"].tolist() == [
        None,
        "new COPD diagnosis; moved from band 5 to band 4; "
        "risk centile rose from 50 to 90 since the run as of 2026-11-01; newly in the top 20% for risk",
        "2 ambulance calls since the last run; moved from band 5 to band 4; "
        "risk centile rose from 50 to 90 since the run as of 2026-11-01; newly in the top 20% for risk",
    ]
