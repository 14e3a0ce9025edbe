"""Spec: objections, events since the previous run and out-of-area registration, on every engine."""

import datetime as dt

import pandas as pd
import pytest

from octopus.population import engines, pipeline
from octopus.population.features import build_features
from octopus.population.features.registration import with_registration_area
from octopus.population.linked import read_linked
from octopus.population.objections import active_objections
from octopus.population.risk.rising import events_since
from octopus.population.testing import write_linked

AS_OF = dt.date(2025, 3, 31)
SINCE = dt.date(2025, 3, 1)

# E83003 is a Barnet practice; E01000001 is in the City of London, E01000265 in Barnet.
PERSONS = """
    person_id | date_of_birth | practice_ods_code | lsoa_code
    p1        | 1940-01-01    | E83003            | E01000265
    p2        | 1950-01-01    | E83003            | E01000001
    p3        | 1960-01-01    | Z99999            | E01000001
    p4        | 1970-01-01    |                   | E01000001
"""
OBJECTIONS = """
    person_id | sender_code | source_record_id | nhs_number | objection_type        | recorded_date | withdrawn_date
    p1        | X26         | 1                | 9000000009 | national_data_opt_out | 2020-01-01    |
    p1        | U12345      | 2                | 9000000009 | type_1                | 2021-01-01    |
    p2        | U12345      | 3                | 9000000009 | type_1                | 2021-01-01    | 2022-01-01
    p3        | X26         | 4                | 9000000009 | national_data_opt_out | 2026-01-01    |
"""
APC_SPELLS = """
    person_id | admission_date | admission_method
    p1        | 2025-03-01     | emergency
    p1        | 2025-03-02     | emergency
    p2        | 2025-03-31     | elective
"""
AE = """
    person_id | arrival_datetime
    p2        | 2025-03-31T23:00:00
    p4        | 2025-04-01T00:00:00
"""
LAS = """
    person_id | incident_datetime
    p4        | 2025-03-15T10:00:00
"""


@pytest.fixture(params=["duckdb", pytest.param("spark", marks=pytest.mark.spark)])
def linked_on(tmp_path, request):
    engine = request.param
    directory = write_linked(
        tmp_path / f"linked-{engine}",
        {
            "persons": PERSONS,
            "objections": OBJECTIONS,
            "apc_spells": APC_SPELLS,
            "ae_attendances": AE,
            "las_incidents": LAS,
        },
    )
    con = request.getfixturevalue("spark_con") if engine == "spark" else engines.connect()
    return con, read_linked(directory, con)


def test_standing_objections_per_person_whatever_the_date_recorded(linked_on):
    con, linked = linked_on
    frame = engines.execute(con, active_objections(linked.feed("objections")), sort_by="person_id")
    # p2's objection was withdrawn; p3's was recorded after the as-of date and still counts.
    assert frame.to_dict("records") == [
        {"person_id": "p1", "national_data_opt_out": True, "type_1": True},
        {"person_id": "p3", "national_data_opt_out": True, "type_1": False},
    ]


def test_training_features_leave_out_objectors(linked_on, tmp_path):
    con, linked = linked_on
    paths, residents = pipeline._features(con, linked, AS_OF, tmp_path / "features.parquet", objectors=False)
    ids = sorted(pd.concat(pd.read_parquet(p, columns=["person_id"]) for p in paths)["person_id"])
    assert ids == ["p2", "p4"] and residents == 2


def test_events_since_the_previous_run(linked_on):
    con, linked = linked_on
    expression = events_since(
        linked.feed("apc_spells"), linked.feed("ae_attendances"), linked.feed("las_incidents"), SINCE, AS_OF
    )
    frame = engines.execute(con, expression, sort_by="person_id").set_index("person_id")
    # p1's admission on the previous run's date was counted by that run.
    assert frame.to_dict("index") == {
        "p1": {
            "emergency_admissions_since_previous": 1,
            "ae_attendances_since_previous": 0,
            "ambulance_calls_since_previous": 0,
        },
        "p2": {
            "emergency_admissions_since_previous": 0,
            "ae_attendances_since_previous": 1,
            "ambulance_calls_since_previous": 0,
        },
        "p4": {
            "emergency_admissions_since_previous": 0,
            "ae_attendances_since_previous": 0,
            "ambulance_calls_since_previous": 1,
        },
    }


def test_registered_out_of_area_compares_practice_and_home_boroughs(linked_on):
    con, linked = linked_on
    expression = with_registration_area(build_features(linked, AS_OF))
    frame = engines.execute(con, expression, sort_by="person_id").set_index("person_id")
    assert frame["practice_borough"].fillna("(none)").to_dict() == {
        "p1": "Barnet",
        "p2": "Barnet",
        "p3": "(none)",
        "p4": "(none)",
    }
    # p3's practice is not a London practice; p4 has no practice, so nothing says where it is.
    assert frame["registered_out_of_area"].to_dict() == {"p1": False, "p2": True, "p3": True, "p4": False}
