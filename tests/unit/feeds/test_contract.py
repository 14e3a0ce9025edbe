import datetime
import decimal
import io
import textwrap
from pathlib import Path

import pyarrow as pa
import pyarrow.csv as pa_csv
import pyarrow.parquet as pq
import pytest

from octopus.population.feeds.codes import (
    is_valid_icd10_code,
    is_valid_postcode,
    is_valid_snomed_code,
    load_codelist,
    normalise_icd10_code,
    normalise_postcode,
)
from octopus.population.feeds.contract import (
    CONTRACTS_DIR,
    LINKAGE_COLUMNS,
    Column,
    ColumnType,
    ContractError,
    Feed,
    PartnerKind,
    load_contracts,
    load_feed,
)
from octopus.population.feeds.nhs_number import is_valid_nhs_number, nhs_number_check_digit

EXPECTED_FEEDS = {
    "objections",
    "gp_registrations",
    "gp_events",
    "gp_appointments",
    "apc_spells",
    "ae_attendances",
    "op_attendances",
    "las_incidents",
    "community_contacts",
    "mh_contacts",
    "mh_spells",
    "asc_clients",
    "asc_packages",
    "vcse_contacts",
    "care_home_residents",
    "deaths",
}
SHIPPED_CODELISTS = Path(__file__).parents[3] / "src" / "octopus" / "codelists"

MINIMAL_CONTRACT = """\
name: {name}
version: 1.0.0
title: Test feed
partner: vcse
description: A feed for tests.
key: [sender_code, source_record_id]
event_date: contact_date
columns:
  - name: sender_code
    type: string
    required: true
    description: Sender.
  - name: source_record_id
    type: string
    required: true
    description: Row key.
  - name: nhs_number
    type: nhs_number
    required: false
    identifier: true
    description: NHS number.
  - name: contact_date
    type: {date_type}
    required: true
    description: Date of contact.
"""


def write_contract(directory, name="test_feed", date_type="date", extra=""):
    path = directory / f"{name}.yaml"
    path.write_text(
        MINIMAL_CONTRACT.format(name=name, date_type=date_type) + textwrap.indent(textwrap.dedent(extra), "  ")
    )
    return path


# --- shipped contracts ---------------------------------------------------------------------------


def test_shipped_contracts_all_load():
    feeds = load_contracts()
    assert set(feeds) == EXPECTED_FEEDS
    assert {path.stem for path in CONTRACTS_DIR.glob("*.yaml")} == EXPECTED_FEEDS


@pytest.mark.parametrize("name", sorted(EXPECTED_FEEDS))
def test_shipped_contract_is_keyed_on_sender_and_record_id(name):
    feed = load_contracts()[name]
    assert feed.key == ("sender_code", "source_record_id")
    assert feed.column("nhs_number").identifier


@pytest.mark.parametrize("name", ["asc_clients", "vcse_contacts", "las_incidents"])
def test_shipped_contract_without_reliable_nhs_number_carries_all_linkage_columns(name):
    feed = load_contracts()[name]
    assert feed.linkage_columns == LINKAGE_COLUMNS
    assert not feed.column("nhs_number").required


def test_codelists_named_by_contracts_are_shipped():
    for feed in load_contracts().values():
        for column in feed.columns:
            if column.codelist:
                codes = load_codelist(column.codelist, SHIPPED_CODELISTS)
                assert codes and all(
                    is_valid_snomed_code(code) for code in codes if column.type is ColumnType.SNOMED_CODE
                )


# --- malformed contract files --------------------------------------------------------------------


def test_contract_with_unknown_type_names_file_and_field(tmp_path):
    path = write_contract(tmp_path, date_type="timestamp")
    with pytest.raises(ContractError) as raised:
        load_feed(path)
    message = str(raised.value)
    assert str(path) in message
    assert "columns[3] (contact_date).type" in message
    assert "unknown type 'timestamp'" in message
    assert raised.value.path == path


def test_contract_with_column_missing_name_names_file_and_field(tmp_path):
    path = write_contract(
        tmp_path,
        extra="""\
          - type: string
            required: false
            description: No name.
        """,
    )
    with pytest.raises(ContractError, match=r"test_feed\.yaml.*columns\[4\]\.name.*missing name"):
        load_feed(path)


def test_contract_with_duplicate_column_names_file_and_field(tmp_path):
    path = write_contract(
        tmp_path,
        extra="""\
          - name: nhs_number
            type: nhs_number
            required: false
            identifier: true
            description: Again.
        """,
    )
    with pytest.raises(ContractError, match=r"test_feed\.yaml.*columns\[4\]\.name.*duplicate column 'nhs_number'"):
        load_feed(path)


def test_contract_with_misspelt_field_names_it(tmp_path):
    path = write_contract(
        tmp_path,
        extra="""\
          - name: notes
            type: string
            requird: false
            description: Typo.
        """,
    )
    with pytest.raises(
        ContractError,
        match=r"columns\[4\] \(notes\)\.requird: unknown field 'requird'.*missing required",
    ):
        load_feed(path)


def test_contract_with_missing_feed_name_names_field(tmp_path):
    path = write_contract(tmp_path)
    path.write_text(path.read_text().replace("name: test_feed\n", ""))
    with pytest.raises(ContractError, match=r"test_feed\.yaml, at name: missing name"):
        load_feed(path)


def test_contract_whose_name_differs_from_file_is_rejected(tmp_path):
    path = write_contract(tmp_path)
    path.rename(tmp_path / "other.yaml")
    with pytest.raises(ContractError, match=r"other\.yaml, at name.*match the file name"):
        load_feed(tmp_path / "other.yaml")


@pytest.mark.parametrize(
    ("change", "field"),
    [
        (("version: 1.0.0", "version: '1.0'"), "version"),
        (("partner: vcse", "partner: charity"), "partner"),
        (("key: [sender_code, source_record_id]", "key: [sender_code, nhs_number]"), "key"),
        (("event_date: contact_date", "event_date: sender_code"), "event_date"),
        (("identifier: true", "identifier: false"), "columns[2] (nhs_number).identifier"),
    ],
)
def test_contract_with_bad_value_names_field(tmp_path, change, field):
    path = write_contract(tmp_path)
    path.write_text(path.read_text().replace(*change))
    with pytest.raises(ContractError) as raised:
        load_feed(path)
    assert raised.value.field == field


def test_contract_that_is_not_yaml_names_file(tmp_path):
    path = tmp_path / "broken.yaml"
    path.write_text("name: [unclosed\n")
    with pytest.raises(ContractError, match=r"broken\.yaml.*not valid YAML"):
        load_feed(path)


def test_code_column_without_codes_is_rejected():
    with pytest.raises(ContractError, match="must list its allowed codes"):
        Column(name="mode", type=ColumnType.CODE, required=True, description="Mode.")


def test_feed_without_sender_code_is_rejected():
    record_id = Column(name="source_record_id", type=ColumnType.STRING, required=True, description="Key.")
    with pytest.raises(ContractError, match="sender_code"):
        Feed(
            name="x",
            version="1.0.0",
            title="X",
            partner=PartnerKind.VCSE,
            description="X.",
            key=("source_record_id",),
            event_date=None,
            columns=(record_id,),
        )


# --- NHS numbers and codes -----------------------------------------------------------------------


@pytest.mark.parametrize("value", ["9434765919", "4010232137", "9990000018"])
def test_nhs_number_with_correct_check_digit_is_valid(value):
    assert is_valid_nhs_number(value)


@pytest.mark.parametrize(
    "value",
    [
        "9434765918",
        "943476591",
        "94347659190",
        "943 476 5919",
        "943476591X",
        "",
        "0000000000",
        "9999999999",
    ],
)
def test_nhs_number_malformed_or_wrong_check_digit_is_invalid(value):
    assert not is_valid_nhs_number(value)


def test_nhs_number_whose_check_digit_computes_to_ten_is_invalid():
    # 943476596: weighted sum 342, 342 mod 11 = 1, 11 - 1 = 10, so no last digit can be right.
    assert nhs_number_check_digit("943476596") is None
    assert not any(is_valid_nhs_number(f"943476596{digit}") for digit in range(10))


@pytest.mark.parametrize("value", ["38341003", "925791000000100", "10725009"])
def test_snomed_code_with_verhoeff_check_digit_is_valid(value):
    assert is_valid_snomed_code(value)


@pytest.mark.parametrize("value", ["38341004", "12345", "038341003", "3.8341003E7", "1" * 19])
def test_snomed_code_malformed_is_invalid(value):
    assert not is_valid_snomed_code(value)


@pytest.mark.parametrize("value", ["J45", "J450", "J45.0", "R69X", "I10"])
def test_icd10_code_shapes_are_valid(value):
    assert is_valid_icd10_code(value)


@pytest.mark.parametrize("value", ["j45", "45J", "J4", "J45..0", "J45.01234"])
def test_icd10_code_malformed_is_invalid(value):
    assert not is_valid_icd10_code(value)


def test_icd10_code_normalises_to_undotted_form():
    assert normalise_icd10_code("J45.0") == "J450"


def test_postcode_shapes_and_normalisation():
    assert all(is_valid_postcode(code) for code in ["SW1A 1AA", "E1 6AN", "N17 0AP", "W1A0AX", "ZZ99 3VZ"])
    assert not any(is_valid_postcode(code) for code in ["sw1a 1aa", "SW1A", "SW1A  1AA", "12345"])
    assert normalise_postcode(" sw1a1aa ") == "SW1A 1AA"


# --- Arrow schemas -------------------------------------------------------------------------------


@pytest.mark.parametrize("name", sorted(EXPECTED_FEEDS))
def test_arrow_schema_round_trips_through_parquet(tmp_path, name):
    schema = load_contracts()[name].arrow_schema()
    pq.write_table(schema.empty_table(), tmp_path / "feed.parquet")
    read_back = pq.read_schema(tmp_path / "feed.parquet")
    assert read_back.equals(schema, check_metadata=True)


def test_arrow_schema_reads_csv_values():
    feed = load_contracts()["apc_spells"]
    schema = feed.arrow_schema()
    text = (
        "sender_code,source_record_id,source_person_id,nhs_number,provider_ods_code,admission_date,"
        "discharge_date,admission_method,primary_diagnosis,secondary_diagnoses,discharge_destination,"
        "tariff_cost_gbp\n"
        "RAL,S1,H1,9434765919,RAL,2026-01-02,,emergency,J45.0,I10|E119,,2150.50\n"
    )
    table = pa_csv.read_csv(
        io.BytesIO(text.encode()),
        convert_options=pa_csv.ConvertOptions(column_types=schema, strings_can_be_null=True),
    )
    assert table.schema.names == list(feed.column_names)
    row = table.to_pylist()[0]
    assert row["admission_date"] == datetime.date(2026, 1, 2)
    assert row["discharge_date"] is None
    assert row["tariff_cost_gbp"] == decimal.Decimal("2150.50")
    assert row["secondary_diagnoses"].split("|") == ["I10", "E119"]
    assert table.cast(schema).schema.equals(schema)


def test_arrow_schema_marks_required_columns_not_nullable():
    schema = load_contracts()["gp_registrations"].arrow_schema()
    assert not schema.field("nhs_number").nullable
    assert schema.field("registration_end_date").nullable
    assert schema.field("nhs_number").metadata[b"identifier"] == b"true"
    assert schema.field("registration_start_date").type == pa.date32()
    assert schema.metadata == {b"feed": b"gp_registrations", b"version": b"1.0.0"}


def test_arrow_schema_reads_csv_datetimes_as_naive_london_time():
    schema = load_contracts()["ae_attendances"].arrow_schema()
    text = "arrival_datetime,departure_datetime\n2026-03-29T01:30:00,2026-03-29 03:10:00\n"
    table = pa_csv.read_csv(
        io.BytesIO(text.encode()),
        convert_options=pa_csv.ConvertOptions(column_types=schema),
    )
    assert table.schema.field("arrival_datetime").type == pa.timestamp("us")
    assert table.column("departure_datetime")[0].as_py() == datetime.datetime(2026, 3, 29, 3, 10)
