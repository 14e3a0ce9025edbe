"""Each committed faulty file gets the exact message a partner's data manager would need."""

from pathlib import Path

import pytest

from octopus.population.feeds.load import load_file
from octopus.population.feeds.quarantine import quarantined
from octopus.population.feeds.store import FeedStore
from octopus.population.feeds.validate import FeedRejected

FILES = Path(__file__).parents[2] / "fixtures" / "feeds"


@pytest.fixture
def store(tmp_path):
    with FeedStore.open(tmp_path) as store:
        yield store


def _nothing_stored(store):
    con = store.connection
    assert con.execute("SELECT count(*) FROM deliveries").fetchone() == (0,)
    assert con.execute("SELECT count(*) FROM quarantine").fetchone() == (0,)
    assert con.execute("SELECT count(*) FROM feed_apc_spells").fetchone() == (0,)


@pytest.mark.parametrize(
    ("name", "message"),
    [
        (
            "apc_spells__RYJ__missing_column.csv",
            "apc_spells__RYJ__missing_column.csv: does not match feed 'apc_spells' (version 1.0.0): "
            "missing column(s) admission_method, discharge_destination. See docs/reference/feeds.md#apc_spells.",
        ),
        (
            "apc_spells__RYJ__semicolons.csv",
            "apc_spells__RYJ__semicolons.csv: the header is separated by semicolons, not commas. Feed files "
            "must be comma-separated CSV (RFC 4180); re-export with ',' as the delimiter.",
        ),
        (
            "apc_spells__RYJ__wrong_feed.csv",
            "apc_spells__RYJ__wrong_feed.csv: the columns are those of feed 'ae_attendances', not "
            "'apc_spells'. Rename the file to start with 'ae_attendances__' or pass --feed ae_attendances.",
        ),
        (
            "apc_spells__RYJ__ragged.csv",
            "apc_spells__RYJ__ragged.csv: line 4 has 10 fields, expected 12 (is a comma inside an unquoted "
            "value?). Every row must have one value per column.",
        ),
        (
            "apc_spells__RYJ__over_threshold.csv",
            "apc_spells__RYJ__over_threshold.csv: 3 of 10 rows (30.0%) failed validation, more than the 5.0% "
            "allowed, so nothing was loaded. First problems: row 1, field 'admission_method': is not one of "
            "the allowed values: elective, emergency, maternity, other; row 2, field 'admission_method': is "
            "not one of the allowed values: elective, emergency, maternity, other; row 3, field "
            "'admission_method': is not one of the allowed values: elective, emergency, maternity, other. "
            "Fix the extract and send it again, or raise --max-bad-share if this is expected.",
        ),
    ],
)
def test_structure_fault_rejects_file_whole(store, name, message):
    with pytest.raises(FeedRejected) as raised:
        load_file(store, FILES / name)
    assert str(raised.value) == message
    _nothing_stored(store)


def test_unknown_feed_name_rejects_file(store):
    with pytest.raises(FeedRejected, match=r"^hospital_stays__RYJ__20261101.csv: cannot tell which feed"):
        load_file(store, FILES / "hospital_stays__RYJ__20261101.csv")


def test_declared_feed_overrides_file_name(store):
    result = load_file(store, FILES / "hospital_stays__RYJ__20261101.csv", feed_name="apc_spells")
    assert (result.feed, result.loaded_rows) == ("apc_spells", 3)


def test_threshold_is_configurable(store):
    result = load_file(store, FILES / "apc_spells__RYJ__over_threshold.csv", max_bad_share=0.5)
    assert (result.loaded_rows, result.quarantined_rows) == (7, 3)


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        (
            "gp_registrations__F83001__bad_types.csv",
            [
                "gp_registrations__F83001__bad_types.csv: row 3, field 'interpreter_needed': is not true or false",
                "gp_registrations__F83001__bad_types.csv: row 7, field 'date_of_birth': is not a date in YYYY-MM-DD "
                "form",
            ],
        ),
        (
            "apc_spells__RYJ__bad_dates.csv",
            [
                "apc_spells__RYJ__bad_dates.csv: row 5, field 'discharge_date': is before admission_date",
                "apc_spells__RYJ__bad_dates.csv: row 9, field 'admission_date': is in the future",
                "apc_spells__RYJ__bad_dates.csv: row 9, field 'discharge_date': is in the future",
            ],
        ),
        (
            "deaths__NDS__death_before_birth.csv",
            ["deaths__NDS__death_before_birth.csv: row 2, field 'date_of_death': is before date_of_birth"],
        ),
        (
            "ae_attendances__RYJ__bad_nhs_numbers.csv",
            [
                "ae_attendances__RYJ__bad_nhs_numbers.csv: row 4, field 'nhs_number': is not a valid NHS number "
                "(ten digits passing the Modulus 11 check)",
                "ae_attendances__RYJ__bad_nhs_numbers.csv: row 6, field 'nhs_number': is not a valid NHS number "
                "(ten digits passing the Modulus 11 check)",
            ],
        ),
        (
            "asc_clients__E09000019__unknown_codes.csv",
            [
                "asc_clients__E09000019__unknown_codes.csv: row 2, field 'sex': is not one of the allowed "
                "values: female, male, indeterminate, unknown",
                "asc_clients__E09000019__unknown_codes.csv: row 8, field 'primary_support_reason': is not one "
                "of the allowed values: physical_support_access_mobility, physical_support_personal_care, "
                "sensory_support_visual, sensory_support_hearing, sensory_support_dual, memory_and_cognition, "
                "learning_disability, mental_health, social_support_substance_misuse, "
                "social_support_asylum_seeker, social_support_isolation_other",
            ],
        ),
    ],
)
def test_value_faults_are_quarantined_and_good_rows_load(store, name, expected):
    result = load_file(store, FILES / name)
    bad_rows = len({line.split(",")[0] for line in expected})
    assert result.quarantined_rows == bad_rows
    assert result.loaded_rows == 40 - bad_rows
    assert [entry.describe() for entry in quarantined(store)] == expected
