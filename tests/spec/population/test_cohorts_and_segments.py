"""Spec: cohort and segment rules compiled to Ibis agree with the Python reference semantics."""

import pandas as pd

from octopus.population import engines
from octopus.population.cohorts.compile import cohort_members
from octopus.population.cohorts.load import load_cohorts
from octopus.population.cohorts.model import evaluate
from octopus.population.segments import load_segments, with_segments
from octopus.population.testing import parse_table

RESIDENTS = """
person_id | age | risk_band | ltc_count | homeless | learning_disability | palliative_care | efi_category | care_home | housebound | ltc_serious_mental_illness | mental_health_contacts | mental_health_admissions | maternity_admissions | ltc_cancer | imd_decile | ltc_copd | ltc_asthma | ltc_hypertension | ltc_ckd | ltc_hiv | current_inpatient | discharged_last_14_days | ae_attendances | ambulance_calls | registered | bowel_screening_status | breast_screening_status | cervical_screening_status | flu_vaccination_status | diabetes_care_processes_status | prevention_gap_count | registered_out_of_area
old_frail   | 82  | 2 | 3 | false | false | false | moderate | false | false | false | 0 | 0 | 0 | true  | 1  | true  | false | true  | false | false | true  | false | 6 | 0  | true | overdue      | not_eligible | not_eligible | never      | not_eligible | 2 | false
young       | 10  | 1 | 1 | false | false | false | fit      | false | false | false | 0 | 0 | 0 | false | 5  | false | true  | false | false | false | false | true  | 0 | 12 | true | not_eligible | not_eligible | not_eligible | up_to_date | not_eligible | 0 | false
nfa         | 40  | 3 | 0 | true  | false | false | fit      | false | false | true  | 5 | 0 | 0 | false |    | false | false | false | false | false | false | false | 1 | 0  | false | not_eligible | not_eligible | never        | declined   | not_eligible | 1 | false
healthy     | 30  | 6 | 0 | false | false | false | fit      | false | false | false | 0 | 0 | 0 | false | 2  | false | false | false | false | false | false | false | 0 | 0  | true | not_eligible | not_eligible | up_to_date   | not_eligible | not_eligible | 0 | true
ltc         | 50  | 4 | 2 | false | false | false | fit      | false | false | false | 1 | 0 | 0 | false | 2  | false | false | true  | false | false | false | false | 0 | 0  | true | never        | overdue      | overdue      | overdue    | overdue      | 5 | false
"""  # noqa: E501
BOOL = {"true": True, "false": False}


def residents_frame() -> pd.DataFrame:
    rows = parse_table(RESIDENTS)
    frame = pd.DataFrame(rows)
    for column in frame.columns:
        if set(frame[column]) <= {"true", "false"}:
            frame[column] = frame[column].map(BOOL)
        elif column not in ("person_id", "efi_category") and not column.endswith("_status"):
            frame[column] = pd.to_numeric(frame[column].replace("", None)).astype("Int64")
    return frame


def run_on(con):
    table = engines.table_from_frame(con, residents_frame(), "residents")
    segments = engines.execute(con, with_segments(table, load_segments()).order_by("person_id"))
    cohorts = load_cohorts()
    members = engines.execute(con, cohort_members(cohorts, table).order_by(["cohort", "person_id"]))
    return segments, members


def expected_members():
    frame = residents_frame().astype(object).where(residents_frame().notna(), None)
    return sorted(
        (c.name, row["person_id"]) for c in load_cohorts() for row in frame.to_dict("records") if evaluate(c.where, row)
    )


def check(segments, members):
    assert dict(zip(segments.person_id, segments.segment, strict=True)) == {
        "healthy": "mainly_healthy",
        "ltc": "long_term_conditions",
        "nfa": "homeless",
        "old_frail": "frail_elderly_end_of_life",
        "young": "children_young_people_maternity",
    }
    assert dict(zip(segments.person_id, segments.cancer_overlay, strict=True))["old_frail"]
    got = sorted(zip(members.cohort, members.person_id, strict=True))
    assert got == expected_members()
    assert ("welc_target", "old_frail") in got and ("welc_target", "young") in got
    assert ("welc_target", "nfa") not in got  # band 3 but under 65 with no LTC
    assert ("core20plus5", "ltc") in got and ("core20plus5", "healthy") not in got
    assert ("unregistered_residents", "nfa") in got
    assert ("frequent_ae_attenders", "old_frail") in got
    assert ("regular_ambulance_callers", "young") in got
    assert ("bowel_screening_overdue", "old_frail") in got and ("bowel_screening_overdue", "ltc") in got
    assert ("registered_out_of_area", "healthy") in got and ("registered_out_of_area", "ltc") not in got


def test_segments_and_cohorts_on_duckdb():
    check(*run_on(engines.connect()))
