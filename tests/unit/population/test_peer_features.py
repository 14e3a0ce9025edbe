"""The benchmark's peers compute exactly our engine's risk-model features.

``benchmarks/peers`` holds a polars and a pandas version of ``build_features(...,
with_prevention=False)``; the speed comparison in docs/benchmarks.md means something only if
they give the same rows and values. Checked on a simulated extract (every scaled feed, hospital
diagnoses, costs) and on hand-written edge cases: a resolved diagnosis, a hospital-only
condition in lower case with dots, a death, an open mental-health spell, a care-home stay, a
VCSE contact, the no-fixed-abode postcode, and feeds that were never delivered.
"""

from __future__ import annotations

import datetime as dt
import sys
from pathlib import Path

import pandas as pd
import pytest

from octopus.population import engines
from octopus.population.features import build_features
from octopus.population.features.conditions import condition_codes
from octopus.population.features.frailty import efi_bits
from octopus.population.linked import read_linked
from octopus.population.simulate import simulate_linked_at_scale
from octopus.population.testing import write_linked

PEERS = Path(__file__).parents[3] / "benchmarks" / "peers"
sys.path.insert(0, str(PEERS))

import pandas_features  # noqa: E402
import peer_reference  # noqa: E402

AS_OF = dt.date(2025, 3, 31)


def _code(condition: str, kind: str) -> str:
    codes = condition_codes()
    return codes[(codes.condition == condition) & (codes.kind == kind)].cond_code.iloc[0]


def _edge_cases(directory: Path) -> Path:
    asthma, resolved = _code("asthma", "dx"), _code("asthma", "res")
    housebound = _code("housebound_coded", "dx")
    deficit = efi_bits().efi_code.iloc[0]
    return write_linked(
        directory,
        {
            "persons": """
            person_id | date_of_birth | sex    | postcode  | lsoa_code | ethnicity_snomed_code
            p1        | 1940-03-31    | female | zz99 3vz  | E01000001 |
            p2        | 1950-04-01    |        | SW1A 1AA  | E01004736 | 976631000000101
            p3        | 1935-01-01    | male   |           |           |
            p4        | 2030-01-01    | male   |           |           |
            p5        | 1990-06-15    | female |           | E01000005 |
        """,
            "gp_events": f"""
            person_id | event_date | snomed_code
            p1        | 2020-01-01 | {asthma}
            p1        | 2022-01-01 | {resolved}
            p2        | 2022-01-01 | {asthma}
            p2        | 2020-01-01 | {resolved}
            p2        | 2024-01-01 | {deficit}
            p5        | 2024-05-01 | {housebound}
            p5        | 2026-01-01 | {asthma}
        """,
            "apc_spells": """
            person_id | admission_date | discharge_date | admission_method | primary_diagnosis | secondary_diagnoses | tariff_cost_gbp
            p1        | 2024-06-01     | 2024-06-09     | emergency        | f00.1             | i50.0 w19         | 1234.57
            p1        | 2025-03-25     |                | elective         | J45               |                   | 100.10
            p2        | 2023-01-01     | 2023-01-05     | emergency        | R29.6             |                   |
            p5        | 2024-12-01     | 2025-03-20     | maternity        |                   |                   | 10.01
        """,  # noqa: E501
            "deaths": """
            person_id | date_of_death
            p3        | 2025-01-01
        """,
            "mh_spells": """
            person_id | admission_date | discharge_date | cost_gbp
            p2        | 2024-01-01     |                | 500.25
            p5        | 2024-05-01     | 2024-06-01     | 99.99
        """,
            "mh_contacts": """
            person_id | contact_date | crisis | cost_gbp
            p2        | 2024-08-01   | true   | 10.01
            p2        | 2024-09-01   |        |
        """,
            "care_home_residents": """
            person_id | move_in_date | move_out_date
            p1        | 2024-01-01   |
            p2        | 2023-01-01   | 2024-01-01
        """,
            "asc_packages": """
            person_id | package_type | start_date | end_date   | weekly_cost_gbp
            p2        | nursing      | 2024-01-01 |            | 700.00
            p5        | home_care    | 2025-01-01 | 2025-02-01 | 123.45
        """,
            "vcse_contacts": """
            person_id | contact_date
            p5        | 2025-03-01
            p5        | 2023-03-01
        """,
        },
    )


@pytest.fixture(params=["simulated", "edge cases"])
def linked_dir(request, tmp_path) -> Path:
    if request.param == "simulated":
        return simulate_linked_at_scale(tmp_path / "linked", people=1_500, as_of=AS_OF)
    return _edge_cases(tmp_path / "linked")


def _ours(directory: Path) -> pd.DataFrame:
    con = engines.connect("duckdb")
    return engines.execute(
        con, build_features(read_linked(directory, con), AS_OF, with_prevention=False), sort_by="person_id"
    )


def _assert_same(ours: pd.DataFrame, peer: pd.DataFrame, name: str):
    assert list(peer.columns) == list(ours.columns), name
    assert peer["person_id"].tolist() == ours["person_id"].tolist(), name
    for column in ours.columns:
        a, b = ours[column], peer[column].reset_index(drop=True)
        if pd.api.types.is_float_dtype(a):
            same = ((a - b.astype("float64")).abs() <= 1e-9) | (a.isna() & b.isna())
        else:
            same = (a.astype(object) == b.astype(object)) | (a.isna() & b.isna())
        assert same.all(), f"{name}: {column} differs for {ours.person_id[~same].tolist()[:5]}"


def test_peer_features_equal_to_ours(linked_dir, tmp_path):
    reference = peer_reference.export(tmp_path / "reference")
    ours = _ours(linked_dir)
    assert len(ours) > 0
    pandas_peer = pandas_features.features(reference, linked_dir, AS_OF).sort_values("person_id")
    _assert_same(ours, pandas_peer.reset_index(drop=True), "pandas")
    pytest.importorskip("polars")
    import polars_features

    polars_peer = polars_features.features(reference, linked_dir, AS_OF).collect().sort("person_id").to_pandas()
    _assert_same(ours, polars_peer, "polars")
