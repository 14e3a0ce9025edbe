"""Spec: deaths and mid-period populations for life expectancy, the same on every engine.

As-of 2024-12-31: periods end 2024-12-31 (from 2024-01-01 to mid-point 2024-07-01 12:00, i.e.
2024-07-01 counting whole days) and 2023-12-31 (the deaths feed's first death, 2023-01-20,
falls within 31 days of that period's start, 2023-01-01); 2022 is not covered.
E01001838 is in IMD 2025 decile 1, E01004106 in decile 10.
"""

import datetime as dt

import pandas as pd
import pytest

from octopus.population import engines
from octopus.population.life_expectancy import cause_group, counts_frame, periods
from octopus.population.linked import read_linked
from octopus.population.testing import write_linked

AS_OF = dt.date(2024, 12, 31)

PERSONS = """
    person_id | date_of_birth | sex    | lsoa_code | practice_ods_code | registered
    baby      | 2024-03-01    | female | E01001838 | E83003            | true
    old       | 1930-05-01    | male   | E01001838 | E83003            | true
    died_2024 | 1950-06-01    | male   | E01001838 | E83003            | true
    died_2023 | 1940-01-01    | female |           |                   | false
    young     | 2000-07-02    | female | E01004106 | E83005            | true
    objector  | 1950-06-01    | male   | E01001838 | E83003            | true
"""
DEATHS = """
    person_id | date_of_death | underlying_cause
    died_2024 | 2024-03-10    | I21.9
    died_2023 | 2023-01-20    | C349
    died_2023 | 2023-02-01    | C349
    objector  | 2024-05-01    | X42
"""
# As in a real linked extract, the dead have no current registration: their home LSOA and
# practice come from their last GP registration.
GP_REGISTRATIONS = """
    person_id | lsoa_code | practice_ods_code | registration_start_date | registration_end_date
    died_2023 | E01001838 | E83003            | 1990-01-01              | 2010-01-01
    died_2023 | E01004106 | E83005            | 2010-01-01              | 2023-01-20
"""
OBJECTIONS = """
    person_id | objection_type        | date_recorded
    objector  | national_data_opt_out | 2022-01-01
"""


@pytest.fixture(params=["duckdb", pytest.param("spark", marks=pytest.mark.spark)])
def counts(tmp_path, request):
    directory = write_linked(
        tmp_path / request.param,
        {"persons": PERSONS, "deaths": DEATHS, "objections": OBJECTIONS, "gp_registrations": GP_REGISTRATIONS},
    )
    con = request.getfixturevalue("spark_con") if request.param == "spark" else engines.connect()
    return counts_frame(con, read_linked(directory, con), AS_OF)


def test_two_periods_covered():
    assert periods(AS_OF, dt.date(2023, 1, 20)) == [
        (dt.date(2024, 1, 1), AS_OF),
        (dt.date(2023, 1, 1), dt.date(2024, 1, 1)),
    ]
    assert periods(AS_OF, dt.date(2023, 3, 1)) == [(dt.date(2024, 1, 1), AS_OF)]
    assert periods(AS_OF, None) == []


def test_mid_period_population_by_band(counts):
    latest = counts[counts.period_end == "2024-12-31"]
    # At 2024-07-01: the baby (under 1), "old" (94: 90+), "young" (23 at mid-point, 20-24);
    # died_2024 died before the mid-point; the objector is left out.
    population = latest[latest.population > 0].set_index(["sex", "start_age"])["population"].to_dict()
    assert population == {("female", 0): 1, ("male", 90): 1, ("female", 20): 1}
    earlier = counts[counts.period_end == "2024-01-01"]
    # At 2023-07-02: the baby is not born; died_2023 has died; died_2024 (73) is alive; young is 22.
    population = earlier[earlier.population > 0].set_index(["sex", "start_age"])["population"].to_dict()
    assert population == {("male", 90): 1, ("male", 70): 1, ("female", 20): 1}


def test_deaths_by_age_at_death_and_cause(counts):
    latest = counts[(counts.period_end == "2024-12-31") & (counts.deaths > 0)]
    assert len(latest) == 1
    death = latest.iloc[0]
    # died_2024 was 73 at death: the 70-74 band; I21.9 is circulatory; decile 1 from the LSOA.
    assert (death.start_age, death.deaths, death.deaths_circulatory, death.deaths_cancer) == (70, 1, 1, 0)
    assert death.imd_decile == 1 and death.practice_ods_code == "E83003"
    earlier = counts[(counts.period_end == "2024-01-01") & (counts.deaths > 0)]
    # Sent twice: counted once, at the earlier date; aged 83; home and practice from the last
    # registration (decile 10), not the earlier one.
    assert earlier.deaths.sum() == 1 and earlier.iloc[0].deaths_cancer == 1
    assert earlier.iloc[0].start_age == 80 and earlier.iloc[0].imd_decile == 10
    assert earlier.iloc[0].practice_ods_code == "E83005"


def test_cause_groups_follow_the_segment_tool():
    con = engines.connect()
    codes = ["I21.9", "c349", "D48", "D50", "J44.0", "K703", "K94", "X42", "V892", "Y98", "F03X", "G309", None, "U071"]
    table = engines.table_from_frame(con, pd.DataFrame({"code": codes}), "cause_codes")
    got = engines.execute(con, table.select(group=cause_group(table.code)))["group"].tolist()
    assert got == [
        "circulatory",
        "cancer",
        "cancer",
        "other",
        "respiratory",
        "digestive",
        "other",
        "external",
        "external",
        "external",
        "mental",
        "other",
        "other",
        "other",
    ]
