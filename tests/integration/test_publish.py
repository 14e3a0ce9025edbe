import datetime as dt
import json

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from octopus.insights.models import PublishedSnapshot
from octopus.publish import PublishError, publish
from octopus.residents.models import Household, Resident

pytestmark = pytest.mark.django_db


def _persons(path, rows):
    columns = {
        "person_id": pa.string(),
        "nhs_number": pa.string(),
        "given_name": pa.string(),
        "family_name": pa.string(),
        "date_of_birth": pa.date32(),
        "sex": pa.string(),
        "postcode": pa.string(),
        "lsoa_code": pa.string(),
        "practice_ods_code": pa.string(),
        "registered": pa.bool_(),
        "ethnicity_snomed_code": pa.string(),
        "main_language": pa.string(),
        "interpreter_needed": pa.bool_(),
        "address_line": pa.string(),
        "phone": pa.string(),
        "email": pa.string(),
    }
    table = pa.table({name: [row.get(name) for row in rows] for name in columns}, schema=pa.schema(columns))
    pq.write_table(table, path)
    return path


def _person(n, **overrides):
    row = {
        "person_id": f"P{n:012d}",
        "nhs_number": None,
        "given_name": "Ada",
        "family_name": f"Person{n}",
        "date_of_birth": dt.date(1940, 1, 1),
        "sex": "female",
        "postcode": "W2 5AA",
        "lsoa_code": "E01004657",
        "practice_ods_code": "E87008",
        "registered": True,
        "main_language": "English",
        "interpreter_needed": False,
        "address_line": f"{n} Church Street",
        "phone": None,
        "email": None,
    }
    row.update(overrides)
    return row


def test_publish_creates_residents_and_households(tmp_path):
    persons = _persons(tmp_path / "persons.parquet", [_person(1), _person(2, address_line="1 Church Street")])
    report = publish(persons)
    assert report.residents == 2
    assert Household.objects.count() == 1
    assert Resident.objects.get(person_id="P000000000002").household.residents.count() == 2


def test_publish_twice_changes_nothing(tmp_path):
    persons = _persons(tmp_path / "persons.parquet", [_person(1), _person(2)])
    publish(persons)
    first = list(Resident.objects.order_by("person_id").values())
    publish(persons)
    assert list(Resident.objects.order_by("person_id").values()) == first


def test_publish_bad_snapshot_keeps_previous_state(tmp_path):
    persons = _persons(tmp_path / "persons.parquet", [_person(1)])
    publish(persons)
    renamed = _persons(tmp_path / "persons2.parquet", [_person(1, family_name="Changed")])
    broken = tmp_path / "broken"
    broken.mkdir()
    (broken / "manifest.json").write_text(json.dumps({"run_id": "run-2", "as_of": "2026-11-01"}))
    (broken / "residents.parquet").write_text("not parquet")
    with pytest.raises(PublishError, match=r"broken/residents.parquet: cannot read as Parquet"):
        publish(renamed, broken)
    assert Resident.objects.get().family_name == "Person1"
    assert not PublishedSnapshot.objects.filter(run_id="run-2").exists()


def test_publish_missing_column_named(tmp_path):
    path = tmp_path / "persons.parquet"
    pq.write_table(pa.table({"person_id": ["P1"]}), path)
    with pytest.raises(PublishError, match="persons.parquet: missing column"):
        publish(path)


def test_household_key_fits_the_column_for_any_address():
    from octopus.publish.residents import household_key
    from octopus.residents.models import Household

    key = household_key("Flat 123, Very Long Named Mansion Block, " * 5, "w2 5aa")
    assert len(key) <= Household._meta.get_field("household_id").max_length
    assert key == household_key("flat 123,  very long named mansion block, " * 5, "W2 5AA")


def _snapshot(directory, rows):
    directory.mkdir()
    (directory / "manifest.json").write_text(json.dumps({"run_id": "run-prevention", "as_of": "2025-12-01"}))
    columns = {
        "person_id": pa.string(),
        "prevention_gaps": pa.string(),
        "bowel_screening_status": pa.string(),
        "flu_vaccination_status": pa.string(),
        "cervical_screening_status": pa.string(),
    }
    table = pa.table({name: [row.get(name) for row in rows] for name in columns}, schema=pa.schema(columns))
    pq.write_table(table, directory / "residents.parquet")
    return directory


def test_publish_puts_open_prevention_gaps_on_the_resident(tmp_path):
    persons = _persons(tmp_path / "persons.parquet", [_person(1), _person(2)])
    snapshot = _snapshot(
        tmp_path / "snapshot",
        [
            {
                "person_id": "P000000000001",
                "prevention_gaps": "bowel_screening,flu_vaccination",
                "bowel_screening_status": "overdue",
                "flu_vaccination_status": "never",
                "cervical_screening_status": "declined",
            },
            {"person_id": "P000000000002", "prevention_gaps": "", "bowel_screening_status": "up_to_date"},
        ],
    )
    publish(persons, snapshot)
    gaps = Resident.objects.get(person_id="P000000000001").prevention_gaps
    assert [(g["programme"], g["title"], g["status"], g["label"]) for g in gaps] == [
        ("bowel_screening", "Bowel cancer screening", "overdue", "Overdue"),
        ("flu_vaccination", "Flu vaccination", "never", "None recorded"),
    ]
    assert gaps[0]["due"].startswith("every 2 years")
    assert Resident.objects.get(person_id="P000000000002").prevention_gaps == []


def test_publishing_an_earlier_run_again_puts_it_back_in_service(tmp_path):
    """A rerun after a failed publish, or going back a snapshot, must be what pages then read."""
    from octopus.insights.testing import write_snapshot

    persons = _persons(tmp_path / "persons.parquet", [_person(1)])
    write_snapshot(tmp_path / "a", run_id="run-a")
    write_snapshot(tmp_path / "b", run_id="run-b")
    PublishedSnapshot.objects.all().delete()  # write_snapshot records them; here publish must
    publish(persons, tmp_path / "a")
    publish(persons, tmp_path / "b")
    assert PublishedSnapshot.objects.latest().run_id == "run-b"
    publish(persons, tmp_path / "a")
    assert PublishedSnapshot.objects.latest().run_id == "run-a"


def test_a_person_s_missing_details_are_stored_as_empty_and_a_move_changes_their_household(tmp_path):
    """Demographics go to the database column by column (Arrow); a missing value is what the
    resident's record has always shown for one: empty text, sex unknown, not registered, no
    interpreter, no household without an address."""
    gaps = dict.fromkeys(("nhs_number", "given_name", "sex", "registered", "interpreter_needed", "main_language"))
    persons = _persons(
        tmp_path / "persons.parquet",
        [_person(1, **gaps), _person(2, address_line=None), _person(3, nhs_number="9000000009")],
    )
    publish(persons)
    first, second, third = Resident.objects.order_by("person_id")
    assert (first.nhs_number, first.given_name, first.sex, first.main_language) == ("", "", "unknown", "")
    assert (first.registered, first.interpreter_needed, first.date_of_birth) == (False, False, dt.date(1940, 1, 1))
    assert first.household.address_line == "1 Church Street" and first.household.lsoa_code == "E01004657"
    assert second.household is None and third.nhs_number == "9000000009"
    assert (third.risk_factors, third.flags, third.snapshot_run_id, third.risk_probability) == ([], {}, "", None)

    moved = _persons(
        tmp_path / "moved.parquet", [_person(1, **gaps, address_line="3 Church Street"), _person(2), _person(3)]
    )
    publish(moved)
    first, second, third = Resident.objects.order_by("person_id")
    assert first.household == third.household and second.household.address_line == "2 Church Street"
    assert Household.objects.count() == 3
